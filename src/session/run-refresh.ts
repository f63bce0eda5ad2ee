/**
 * The session process's once-a-second tick. Counters move while serving; the
 * run record follows at this modest pace. The same tick notices a listener that
 * died without ending its sessions (SIGKILL): the process is then reparented.
 * The listener names itself (TFGW_LISTENER_PID): reading process.ppid at start
 * could already see the reparenting if the listener died while this process
 * was starting.
 */
import type { Lifecycle } from './lifecycle';
import type { RunPublisher } from './run-publisher';

export const REFRESH_MS = 1000;

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

/** The listener's pid as the listener passed it, else the parent at start. */
export function listenerPid(env: NodeJS.ProcessEnv = process.env, ppid: number = process.ppid): number {
  return Number(env.TFGW_LISTENER_PID ?? ppid);
}
