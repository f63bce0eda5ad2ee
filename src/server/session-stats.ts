/** Counters of one session process, published through the spool for the metrics endpoint. */
import type { SendOutcome } from '../spool/message-writer';

export class SessionStats {
  connections = 0;
  handshakesOk = 0;
  handshakesFailed = 0;
  peers = 0;
  bytesIn = 0;
  bytesOut = 0;
  sent = 0;
  sentBytes = 0;
  delivered = 0;
  deliveredBytes = 0;
  dropped: Record<Exclude<SendOutcome, 'queued'>, number> = { 'no-peer': 0, 'inbox-full': 0, failed: 0 };

  count(outcome: SendOutcome, bytes: number): void {
    if (outcome === 'queued') {
      this.sent++;
      this.sentBytes += bytes;
    } else {
      this.dropped[outcome]++;
    }
  }
}
