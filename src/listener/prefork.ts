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
/**
 * Waiting processes beyond the spares retire after waiting this long (the pool
 * shrinks after a burst). Short, because every waiting process listens and is
 * woken by each new connection: handshakes after a burst of 8 pairs ran about
 * 10 % faster with the pool back at its size (24 processes against 16). The
 * price is a process start (about 0.1 s of CPU) for each one retired and needed
 * again more than 2 s later.
 */
export const RETIRE_AFTER_MS = 2_000;
/** A process started this recently may simply not be accepting yet. */
const STARTING_GRACE_MS = 2000;
/**
 * Fewer processes waiting than the spares, while at least one still waits: the
 * pool grows only once that has lasted this long. The listener sees states
 * through run records that lag by up to their coalescing window (20 ms), and in a
 * burst of short connections a process goes from waiting to handshaking and back
 * every few milliseconds, so the count it sees dips below the spares and back
 * many times a second. Growing on every dip grew a pool meant for 8 connections
 * plus 8 spares to 23 processes, and every process waiting listens: a new
 * connection wakes them all and they share the connections evenly, so each
 * serves fewer and stays colder (docs/PERFORMANCE.md, "Handshakes").
 */
export const SPARE_DEFICIT_MS = 100;
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
  /** Since when fewer processes than the spares have been waiting (null: enough are). */
  private deficitSince: number | null = null;
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
    const serving = pool.count('handshaking') + pool.count('busy');
    if (this.deficitLasted(waiting(), spareSessions, serving)) {
      while (waiting() < spareSessions && pool.size < maxSessions && pool.count('starting') < MAX_STARTING) {
        if (pool.start('accept', this.options.listenFds, null) === null) break;
      }
    }
    if (pool.size >= maxSessions && waiting() === 0 && this.now() - this.limitLogged > LIMIT_LOG_EVERY_MS) {
      this.limitLogged = this.now();
      log.warn('session limit reached; new connections wait in the backlog', { sessions: pool.size });
    }
  }

  /**
   * Whether to start processes now. At once when none is waiting (a connection
   * arriving would wait in the backlog) or none is serving a connection (the
   * shortfall is not a state seen mid-change: the first fill, a crash, a
   * retirement); after SPARE_DEFICIT_MS otherwise.
   */
  private deficitLasted(waiting: number, spareSessions: number, serving: number): boolean {
    if (waiting >= spareSessions) {
      this.deficitSince = null;
      return false;
    }
    if (waiting === 0 || serving === 0) return true;
    this.deficitSince ??= this.now();
    return this.now() - this.deficitSince >= SPARE_DEFICIT_MS;
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
