/**
 * Whether the holder of an inbox is still there (docs/SPOOL.md §6). A holder on
 * this node: its process runs (the same process: its start time, where recorded,
 * matches) and its lock is fresh. A holder on another node: its lock is there and
 * its node's heartbeat has been seen changing (heartbeat.ts), since a pid means
 * nothing on another host and another host's clock is not ours.
 */
import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { INBOX_LOCK } from './layout';
import { parseClaim } from './names';
import { readOwnerRecord } from './owner-record';
import { processAlive, processStartTime } from './process-alive';

export { pidAlive, processAlive, processStartTime } from './process-alive';

/** True when a process has `pid` now but is not the one that started at `started`. */
export function pidReused(pid: number, started: string | null | undefined): boolean {
  if (started === null || started === undefined) return false;
  const now = processStartTime(pid);
  return now !== null && now !== started;
}

export function inboxLockOptions(inboxDir: string, staleMs: number): { realpath: false; lockfilePath: string; stale: number } {
  return { realpath: false, lockfilePath: path.join(inboxDir, INBOX_LOCK), stale: staleMs };
}

/**
 * The modification time of `file` read from a descriptor: `open` makes a network
 * file system ask its server, where a `stat` of the path may answer from a cache.
 */
export function freshMtimeMs(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    return fstatSync(fd).mtimeMs;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** How the observer judges another node: true while its heartbeat is seen changing. */
export type NodeLive = (node: string) => boolean;

export interface LivenessContext {
  /** This observer's node id. */
  node: string;
  /** Judges other nodes; absent: every other node counts as live (nothing of theirs is touched). */
  nodeLive?: NodeLive;
  now?: () => number;
}

/** The node that holds an inbox: its owner record's, or its claim name's. */
export function inboxNode(inboxDir: string, recorded: string | undefined): string | null {
  return recorded ?? parseClaim(path.basename(inboxDir))?.node ?? null;
}

/**
 * An inbox is live while its owner is there: on this node, its process (by pid and
 * recorded start time, which name one process, so a lock refreshed late on a host
 * short of CPU does not make a live holder look dead; a record without a start time
 * needs a fresh lock too, against a reused pid), on another node the lock and that
 * node's heartbeat.
 */
export async function inboxAlive(inboxDir: string, staleMs: number, context?: LivenessContext): Promise<boolean> {
  const owner = readOwnerRecord(inboxDir);
  if (owner === null) return false;
  const lock = path.join(inboxDir, INBOX_LOCK);
  const node = inboxNode(inboxDir, owner.node);
  if (context && node !== null && node !== context.node) {
    return existsSync(lock) && (context.nodeLive?.(node) ?? true);
  }
  if (!processAlive(owner.pid, owner.start)) return false;
  if (owner.start !== undefined) return existsSync(lock);
  const mtime = freshMtimeMs(lock);
  if (mtime === null) return false;
  return (context?.now ?? Date.now)() - mtime < staleMs;
}
