/** Counters of one session process, published in its run record for the metrics endpoint. */
import type { SendOutcome } from '../spool/message-writer';

/** Why a message was not delivered: no such peer, its inbox full, a spool failure, or it left first. */
export type DropReason = Exclude<SendOutcome, 'queued'> | 'peer-left';

export class SessionStats {
  handshakesOk = 0;
  handshakesFailed = 0;
  violations = 0;
  /** Times reading was paused by the inbound rate limit. */
  rateLimited = 0;
  /** Clients disconnected because their inbox stayed full. */
  slowReceivers = 0;
  /** 1 while this process's client is in the gateway. */
  peers = 0;
  /** Files waiting in this process's inbox, as last seen. */
  inboxDepth = 0;
  bytesIn = 0;
  bytesOut = 0;
  sent = 0;
  sentBytes = 0;
  delivered = 0;
  deliveredBytes = 0;
  dropped: Record<DropReason, number> = { 'no-peer': 0, 'inbox-full': 0, failed: 0, 'peer-left': 0 };

  count(outcome: SendOutcome, bytes: number): void {
    if (outcome === 'queued') {
      this.sent++;
      this.sentBytes += bytes;
    } else {
      this.dropped[outcome]++;
    }
  }
}
