/** Whether the holder of an inbox is still there: its process runs and its lock is fresh. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { INBOX_LOCK } from './layout';
import { readOwnerRecord } from './owner-record';

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When process `pid` started (clock ticks since boot, field 22 of `/proc/<pid>/stat`),
 * or null when there is no such process or no /proc. A pid and this together name
 * one process: a pid reused by a later process comes with a later start time.
 */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/** True when a process has `pid` now but is not the one that started at `started`. */
export function pidReused(pid: number, started: string | null | undefined): boolean {
  if (started === null || started === undefined) return false;
  const now = processStartTime(pid);
  return now !== null && now !== started;
}

export function inboxLockOptions(inboxDir: string, staleMs: number): lockfile.CheckOptions {
  return { realpath: false, lockfilePath: path.join(inboxDir, INBOX_LOCK), stale: staleMs };
}

/**
 * An inbox is live while its owner process exists and keeps its lock fresh. The pid
 * check catches a crash at once; the lock's age catches a reused pid or an owner on
 * another machine sharing the spool.
 */
export async function inboxAlive(inboxDir: string, staleMs: number): Promise<boolean> {
  const owner = readOwnerRecord(inboxDir);
  if (owner === null || !pidAlive(owner.pid)) return false;
  if (!existsSync(path.join(inboxDir, INBOX_LOCK))) return false;
  try {
    return await lockfile.check(inboxDir, inboxLockOptions(inboxDir, staleMs));
  } catch {
    return false;
  }
}
