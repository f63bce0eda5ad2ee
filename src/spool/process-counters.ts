/** Counters of one session process, published in its run record for the metrics endpoint. */
import type { SendOutcome } from './outbox';

/**
 * Why a message was not delivered: no such peer, its inbox full, a spool failure, it
 * left first, a file in an inbox too large to be a message, or a batch file that does
 * not decode (counted once per file: its messages cannot be told apart).
 */
export type DropReason = Exclude<SendOutcome, 'queued'> | 'peer-left' | 'too-large' | 'bad-batch';

export class ProcessCounters {
  handshakesOk = 0;
  handshakesFailed = 0;
  violations = 0;
  /** Connections closed at once: their address had too many unauthenticated ones. */
  preauthRefused = 0;
  /** Times reading was paused by the inbound rate limit. */
  rateLimited = 0;
  /** Clients disconnected because their inbox stayed full. */
  slowReceivers = 0;
  /** Inbox watches that fell back to polling (the kernel had no inotify watch left). */
  watchFallbacks = 0;
  /** 1 while this process's client is in the gateway. */
  peers = 0;
  /** Files waiting in this process's inbox, as last seen. */
  inboxDepth = 0;
  bytesIn = 0;
  bytesOut = 0;
  sent = 0;
  sentBytes = 0;
  /** Batch files queued (docs/SPOOL.md §7.6); their messages are in `sent`. */
  batchesSent = 0;
  delivered = 0;
  deliveredBytes = 0;
  dropped: Record<DropReason, number> = { 'no-peer': 0, 'inbox-full': 0, failed: 0, 'peer-left': 0, 'too-large': 0, 'bad-batch': 0 };

  /** Counts the outcome of sending `messages` messages of `bytes` bytes in all (one file). */
  count(outcome: SendOutcome, bytes: number, messages = 1): void {
    if (outcome === 'queued') {
      this.sent += messages;
      this.sentBytes += bytes;
    } else {
      this.dropped[outcome] += messages;
    }
  }
}

/** Adds `from` into `into`, field by field (gauges excluded). */
export function addStats(into: ProcessCounters, from: ProcessCounters): void {
  into.handshakesOk += from.handshakesOk ?? 0;
  into.handshakesFailed += from.handshakesFailed ?? 0;
  into.violations += from.violations ?? 0;
  into.preauthRefused += from.preauthRefused ?? 0;
  into.rateLimited += from.rateLimited ?? 0;
  into.slowReceivers += from.slowReceivers ?? 0;
  into.watchFallbacks += from.watchFallbacks ?? 0;
  into.bytesIn += from.bytesIn ?? 0;
  into.bytesOut += from.bytesOut ?? 0;
  into.sent += from.sent ?? 0;
  into.sentBytes += from.sentBytes ?? 0;
  into.batchesSent += from.batchesSent ?? 0;
  into.delivered += from.delivered ?? 0;
  into.deliveredBytes += from.deliveredBytes ?? 0;
  for (const reason of Object.keys(into.dropped) as DropReason[]) {
    into.dropped[reason] += from.dropped?.[reason] ?? 0;
  }
}
