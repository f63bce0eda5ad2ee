/**
 * The session process's once-a-second tick. Counters move while serving; the
 * run record follows at this modest pace. The same tick notices a listener that
 * died without ending its sessions (SIGKILL): the process is then reparented.
 * The listener names itself (TFGW_LISTENER_PID): reading process.ppid at start
 * could already see the reparenting if the listener died while this process
 * was starting. A process that holds listening sockets must notice sooner
 * (`watchListener`): until it does, the dead listener's port cannot be bound
 * again. It asks the kernel for a signal when its parent dies, and only without
 * that (a native helper built before it existed) checks getppid() every
 * LISTENER_CHECK_MS, which would be five wake-ups a second for its whole life.
 * The tick is the process ticker's (clock/ticker.ts), shared with the other
 * housekeeping.
 */
import { constants } from 'node:os';
import { type Ticker, type Unsubscribe, processTicker } from '../clock/ticker';
import { LISTENER_GONE_SIGNAL, type Lifecycle } from './lifecycle';
import type { RunPublisher } from './run-publisher';

/** How often the run record is refreshed and the parent checked. */
export const REFRESH_MS = 1000;
/** How often a process holding listening sockets checks that its listener lives, where the kernel cannot tell it. */
export const LISTENER_CHECK_MS = 200;

export interface RunRefreshOptions {
  publisher: RunPublisher;
  lifecycle: Lifecycle;
  listenerPid: number;
  /** The current parent's pid (process.ppid). */
  parentPid: () => number;
}

/** One tick: notice the listener gone, then rewrite the record unless that ended the process. */
export function refreshTick({ publisher, lifecycle, listenerPid, parentPid }: RunRefreshOptions): void {
  if (parentPid() !== listenerPid) lifecycle.listenerGone();
  if (!lifecycle.finished) publisher.refresh();
}

/** Runs `refreshTick` on every tick of `ticker`. */
export function startRunRefresh(options: RunRefreshOptions, ticker: Ticker = processTicker): Unsubscribe {
  return ticker.every(REFRESH_MS, () => refreshTick(options));
}

/**
 * Retires the process (which gives its listening sockets back) once the listener is
 * gone. With `deathSignal` (PR_SET_PDEATHSIG: 0 when set) the kernel sends
 * LISTENER_GONE_SIGNAL, which the lifecycle handles, and nothing polls; the one
 * check right after it catches a listener that died before the request was made.
 * Without it, the parent is checked every `everyMs`.
 */
export function watchListener(
  options: Omit<RunRefreshOptions, 'publisher'>,
  deathSignal?: (signal: number) => number,
  everyMs = LISTENER_CHECK_MS,
): Unsubscribe {
  const check = (): void => {
    if (options.parentPid() !== options.listenerPid) options.lifecycle.listenerGone();
  };
  const signalled = deathSignal?.(constants.signals[LISTENER_GONE_SIGNAL]) === 0;
  check();
  if (signalled) return () => {};
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The listener's pid as the listener passed it, else the parent at start. */
export function listenerPid(env: NodeJS.ProcessEnv = process.env, ppid: number = process.ppid): number {
  return Number(env.TFGW_LISTENER_PID ?? ppid);
}
