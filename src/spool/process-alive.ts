/** Whether a process of this host runs, and whether it is still the one that was seen before. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

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
 * When process `pid` started, in clock ticks since boot (field 22 of
 * /proc/<pid>/stat), or null where that cannot be read. With the pid it names one
 * process for good: a pid reused by a later process has a later start.
 */
export function processStartTime(pid: number, procRoot = '/proc'): string | null {
  try {
    const stat = readFileSync(path.join(procRoot, String(pid), 'stat'), 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Process `pid` runs on this host and, when `start` is known, is the one that started then. */
export function processAlive(pid: number, start?: string | null): boolean {
  if (!pidAlive(pid)) return false;
  if (start === undefined || start === null) return true;
  const now = processStartTime(pid);
  return now === null || now === start;
}
