/**
 * The way in for a client's gateway messages: straight from the server session to
 * the spool's outbox, counted and logged here, so that the connection around the
 * session never handles a message it only passes on.
 */
import type { Logger } from '../log/logger';
import { displayIdentity } from '../spool/identity-name';
import type { Outbox } from '../spool/outbox';
import type { ProcessCounters } from '../spool/process-counters';

/** What a server session calls with each gateway message of `client`. */
export function relayToOutbox(
  outbox: Outbox,
  counters: ProcessCounters,
  log: Logger,
  client: string,
): (destination: Buffer, message: Buffer) => void {
  return (destination, message) => {
    const outcome = outbox.send(destination, message);
    counters.count(outcome, message.length);
    if (outcome === 'failed') {
      log.warn('message could not be queued', { client, error: outbox.lastError });
    } else if (outcome !== 'queued' && log.level === 'debug') {
      log.debug('message dropped', { client, to: displayIdentity(destination), reason: outcome });
    }
  };
}
