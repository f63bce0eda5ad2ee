/**
 * The way in for a client's gateway messages: straight from the server session to
 * the spool's outbox, counted and logged here, so that the connection around the
 * session never handles a message it only passes on.
 *
 * Messages are gathered per destination while one read from the client is parsed
 * and queued together when it is done (or sooner, see `flush`): several for the
 * same destination become one batch file (docs/SPOOL.md §7.6), one alone a plain
 * file. A client's messages stay in order per destination, which is all the
 * gateway promises; the payloads are views of the socket's read, never reused.
 */
import type { Logger } from '../log/logger';
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, batchBytes } from '../spool/batch';
import { displayIdentity } from '../spool/identity-name';
import type { Outbox, SendOutcome } from '../spool/outbox';
import type { ProcessCounters } from '../spool/process-counters';

/** Messages waiting for one destination. */
interface Pending {
  destination: Buffer;
  messages: Buffer[];
  bytes: number;
}

export class OutboxRelay {
  /** Destination (as latin1 text) → what waits for it, in the order destinations first appeared. */
  private readonly pending = new Map<string, Pending>();
  private scheduled = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly counters: ProcessCounters,
    private readonly log: Logger,
    private readonly client: string,
  ) {}

  /** What a server session calls with each gateway message. */
  readonly relay = (destination: Buffer, message: Buffer): void => {
    const key = destination.toString('latin1');
    let group = this.pending.get(key);
    if (group === undefined) {
      group = { destination, messages: [], bytes: 0 };
      this.pending.set(key, group);
    } else if (!fits(group, message)) {
      this.write(group);
    }
    group.messages.push(message);
    group.bytes += message.length;
    if (!this.scheduled) {
      this.scheduled = true;
      // Once the read that brought this message is parsed whole.
      queueMicrotask(() => this.flush());
    }
  };

  /** Queues everything gathered so far (before the client leaves the gateway or the session ends). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    for (const group of this.pending.values()) this.write(group);
    this.pending.clear();
  }

  private write(group: Pending): void {
    const { destination, messages, bytes } = group;
    if (messages.length === 0) return;
    const batch = messages.length > 1;
    const outcome: SendOutcome = this.outbox.send(destination, batch ? messages : messages[0]!);
    if (batch && outcome === 'queued') this.counters.batchesSent++;
    this.counters.count(outcome, bytes, messages.length);
    if (outcome === 'failed') {
      this.log.warn('message could not be queued', { client: this.client, error: this.outbox.lastError, messages: messages.length });
    } else if (outcome !== 'queued' && this.log.level === 'debug') {
      const to = displayIdentity(destination);
      this.log.debug('message dropped', { client: this.client, to, reason: outcome, messages: messages.length });
    }
    // A group written early (it was full) starts again empty.
    group.messages = [];
    group.bytes = 0;
  }
}

/** Whether one more message still fits in the group's batch file. */
function fits(group: Pending, message: Buffer): boolean {
  const count = group.messages.length + 1;
  return count <= MAX_BATCH_MESSAGES && batchBytes(count, group.bytes + message.length) <= MAX_BATCH_BYTES;
}
