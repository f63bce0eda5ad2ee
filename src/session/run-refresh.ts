/**
 * The session process's once-a-second tick. Counters move while serving; the
 * run record follows at this modest pace. The same tick notices a listener that
 * died without ending its sessions (SIGKILL): the process is then reparented.
 * The listener names itself (TFGW_LISTENER_PID): reading process.ppid at start
 * could already see the reparenting if the listener died while this process
 * was starting. A process that holds listening sockets checks for that more
 * often (`watchListener`, a getppid() every LISTENER_CHECK_MS): until it
 * notices, the dead listener's port cannot be bound again.
 */
import type { Lifecycle } from './lifecycle';
import type { RunPublisher } from './run-publisher';

export const REFRESH_MS = 1000;
/** How often a process holding listening sockets checks that its listener lives. */
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

export function startRunRefresh(options: RunRefreshOptions, everyMs = REFRESH_MS): NodeJS.Timeout {
  const timer = setInterval(() => refreshTick(options), everyMs);
  timer.unref();
  return timer;
}

/** Checks the parent often; retires the process (which gives its listening sockets back) once the listener is gone. */
export function watchListener(options: Omit<RunRefreshOptions, 'publisher'>, everyMs = LISTENER_CHECK_MS): NodeJS.Timeout {
  const check = (): void => {
    if (options.parentPid() !== options.listenerPid) options.lifecycle.listenerGone();
  };
  check();
  const timer = setInterval(check, everyMs);
  timer.unref();
  return timer;
}

/** The listener's pid as the listener passed it, else the parent at start. */
export function listenerPid(env: NodeJS.ProcessEnv = process.env, ppid: number = process.ppid): number {
  return Number(env.TFGW_LISTENER_PID ?? ppid);
}
