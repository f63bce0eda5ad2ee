/**
 * What a session says when its client's identity could not join the gateway: the
 * log line and the reply, by the membership's reason (see spool/membership.ts).
 */
import type { Logger } from '../log/logger';
import { FAILED_ACCESS_DENIED, FAILED_INTERNAL, FAILED_MEMORY } from '../protocol/replies';
import { displayIdentity } from '../spool/identity-name';
import type { Refusal } from '../spool/membership';

const REPLY: Record<Exclude<Refusal, 'abandoned'>, string> = {
  full: FAILED_MEMORY,
  'in-use': FAILED_ACCESS_DENIED,
  failed: FAILED_INTERNAL,
};

export interface RefusedJoin {
  identity: Buffer;
  refused: Refusal;
  error?: Error;
  client: string;
  /** The peer limit in force (for the log). */
  maxPeers: number;
  /** The connection is ending: a failure then is no news and gets no answer. */
  ending: boolean;
}

/** Logs a refused join; returns the reply for the client, or null when none is due. */
export function refusalReply(log: Logger, join: RefusedJoin): string | null {
  const { refused, client } = join;
  if (refused === 'abandoned' || (refused === 'failed' && join.ending)) return null;
  if (refused === 'full') {
    log.warn('gateway full, identity refused', { client, peers: join.maxPeers });
  } else if (refused === 'in-use') {
    log.info('identity in use, refused', { client, identity: displayIdentity(join.identity) });
  } else {
    log.error('identity claim failed', { client, error: join.error?.message });
  }
  return REPLY[refused];
}
