/** Whether the holder of an inbox is still there: its process runs and its lock is fresh. */
import { existsSync } from 'node:fs';
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
