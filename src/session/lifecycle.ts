/**
 * How a session process ends. Four things end it: SIGTERM/SIGINT (stop: the
 * client being served is shut down first), SIGUSR2 (retire: the listener has
 * more waiting processes than it wants; a busy one finishes its client first),
 * the listener gone (the kernel's LISTENER_GONE_SIGNAL, or a tick that finds
 * the process reparented), and a crash. All of them end in `finish`, which publishes
 * 'exiting' and exits, once; a crash exits with 70 without writing its record
 * (the listener reaps the process and clears its inbox).
 * Whatever stops the taking of connections also gives back the listening
 * sockets at once (`releaseListeners`): a process that keeps them after its
 * listener died would hold the port, and new clients would queue in a backlog
 * nobody accepts from.
 */
import type { Logger } from '../log/logger';

/**
 * The signal the kernel sends a session process when its listener dies
 * (run-refresh.ts asks for it with PR_SET_PDEATHSIG). SIGPWR, because nothing else
 * sends it to a server's processes here: SIGUSR1 starts Node's inspector, SIGHUP
 * and SIGWINCH come from terminals.
 */
export const LISTENER_GONE_SIGNAL = 'SIGPWR';

/** Exit code of a session process that crashed. */
export const EXIT_CRASHED = 70;

/** What the process needs of the connection being served. */
export interface Served {
  shutdown(reason: string): void;
  /** Files waiting in its inbox (for the run record). */
  readonly inboxDepth: number;
}

export interface LifecycleOptions {
  log: Logger;
  /** Writes the run record's 'exiting' state. */
  publishExiting: () => void;
  /** Clears timers and releases what the process holds, then ends it (process.exit). */
  exit: (code: number) => void;
  /** Closes the listening descriptors this process holds (accept mode); called once, when it stops accepting. */
  releaseListeners?: () => void;
}

/** The process-wide events the lifecycle listens to (process itself, or a stand-in in tests). */
export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT' | 'SIGUSR2' | typeof LISTENER_GONE_SIGNAL, listener: () => void): unknown;
  on(event: 'uncaughtException', listener: (err: Error) => void): unknown;
}

export class Lifecycle {
  /** Asked to stop: take no more connections, shut the current one down. */
  stopping = false;
  /** Retiring: take no more connections, finish the current one. */
  retiring = false;
  /** The connection being served, if any. */
  serving: Served | null = null;
  private ended = false;
  private released = false;

  constructor(private readonly options: LifecycleOptions) {}

  /** Whether to take another connection. */
  get accepting(): boolean {
    return !this.stopping && !this.retiring;
  }

  get finished(): boolean {
    return this.ended;
  }

  listen(source: SignalSource): void {
    source.on('SIGTERM', () => this.stop());
    source.on('SIGINT', () => this.stop());
    // Signals arrive as their own events, so "waiting" cannot race with a connection being accepted.
    source.on('SIGUSR2', () => this.retire());
    source.on(LISTENER_GONE_SIGNAL, () => this.listenerGone());
    source.on('uncaughtException', (err: Error) => this.crash(err));
  }

  stop(): void {
    this.stopping = true;
    this.releaseListeners();
    if (this.serving) this.serving.shutdown('server shutting down');
    else this.finish(0);
  }

  retire(): void {
    this.retiring = true;
    this.releaseListeners();
    if (!this.serving) this.finish(0);
  }

  /**
   * The listener died without ending its sessions (SIGKILL): take no more
   * connections and exit once idle.
   */
  listenerGone(): void {
    if (this.retiring) return;
    this.options.log.warn('listener gone; taking no more connections');
    this.retire();
  }

  private releaseListeners(): void {
    if (this.released) return;
    this.released = true;
    this.options.releaseListeners?.();
  }

  crash(err: Error): void {
    this.options.log.error('session crashed', { error: err.stack ?? err.message });
    this.end(EXIT_CRASHED);
  }

  /** Publishes 'exiting' and exits with `code`. */
  finish(code: number): void {
    if (this.ended) return;
    this.options.publishExiting();
    this.end(code);
  }

  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.options.exit(code);
  }
}
