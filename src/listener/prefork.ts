/**
 * How many session processes the prefork model keeps waiting on the listening
 * sockets: enough spares started (a few at a time), surplus ones retired after a
 * burst, and one more started when connections sit unaccepted in a backlog.
 * The pool grows as handshakes complete: processes whose connection is still in
 * the connection sequence ('handshaking') count as waiting beyond the first
 * `preauthPerAddress + spareSessions` of them. One address flooding holds at
 * most `preauthPerAddress` processes (the sessions refuse the rest), so the
 * spares stay free for other clients; many addresses flooding make the pool
 * start at most that many processes for connections that have not authenticated.
 * Kept apart from the listener so the policy can be checked against a pool of
 * fake processes and a fake clock.
 */
import type { Logger } from '../log/logger';
import type { SessionPool } from './pool';

/** At most this many session processes starting at once (start-up is CPU-bound). */
export const MAX_STARTING = 2;
/** Waiting processes beyond the spares retire after waiting this long (the pool shrinks after a burst). */
export const RETIRE_AFTER_MS = 10_000;
/** A process started this recently may simply not be accepting yet. */
const STARTING_GRACE_MS = 2000;
/** The session-limit warning is repeated at most this often. */
const LIMIT_LOG_EVERY_MS = 10_000;

export interface PreforkLimits {
  spareSessions: number;
  maxSessions: number;
  /** The sessions' cap per address on unauthenticated connections (absent: 0). */
  preauthPerAddress?: number;
}

export interface PreforkOptions {
  pool: SessionPool;
  /** Read on every call: a reload may change them. */
  limits: () => PreforkLimits;
  /** The bare listening descriptors, handed to every process started. */
  listenFds: number[];
  /** Whether any listening socket has connections waiting (native `pending`). */
  backlogWaiting: () => boolean;
  log: Logger;
  now?: () => number;
}

export class PreforkPolicy {
  /** Checks in a row that found connections waiting in a listening socket's backlog. */
  private backlogSeen = 0;
  private limitLogged = 0;
  private readonly now: () => number;

  constructor(private readonly options: PreforkOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Keeps enough session processes waiting, within the session limit. */
  topUp(): void {
    const { pool, log } = this.options;
    const { spareSessions, maxSessions, preauthPerAddress = 0 } = this.options.limits();
    const handshakingAllowed = preauthPerAddress + spareSessions;
    const waiting = () =>
      pool.count('idle') + pool.count('starting') + Math.max(0, pool.count('handshaking') - handshakingAllowed);
    while (waiting() < spareSessions && pool.size < maxSessions && pool.count('starting') < MAX_STARTING) {
      if (pool.start('accept', this.options.listenFds, null) === null) break;
    }
    if (pool.size >= maxSessions && waiting() === 0 && this.now() - this.limitLogged > LIMIT_LOG_EVERY_MS) {
      this.limitLogged = this.now();
      log.warn('session limit reached; new connections wait in the backlog', { sessions: pool.size });
    }
  }

  /** After a burst: retires waiting processes beyond the spares, then tops up. */
  shrink(): void {
    const retired = this.options.pool.retireSurplus(this.options.limits().spareSessions, RETIRE_AFTER_MS);
    if (retired > 0) this.options.log.debug('retired surplus waiting session processes', { retired });
    this.topUp();
  }

  /**
   * The pool is sized from the session processes' run records. When those cannot
   * be written (the spool full or read-only) the listener would believe busy
   * processes idle; connections still waiting in a backlog on two checks in a row
   * mean nobody is accepting them, so one more process is started (within
   * `maxSessions`).
   */
  checkBacklog(): void {
    const { pool, log } = this.options;
    this.backlogSeen = this.options.backlogWaiting() ? this.backlogSeen + 1 : 0;
    if (this.backlogSeen < 2 || pool.startingWithin(STARTING_GRACE_MS) > 0) return;
    if (pool.size >= this.options.limits().maxSessions) return;
    this.backlogSeen = 0;
    log.warn('connections waiting unaccepted; starting another session process', { sessions: pool.size });
    pool.start('accept', this.options.listenFds, null);
  }
}
