/**
 * The start-time checks of a spool shared over the network (spool/mount-warnings.ts):
 * the mount's options, and this host's clock against the time the file system gives a
 * file created now. Each finding is one warning in the log; nothing stops the server.
 */
import { closeSync, fstatSync, mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/logger';
import type { Spool } from '../spool';
import { clockWarning, mountWarnings } from '../spool/mount-warnings';

export function checkSharedSpool(spool: Spool, log: Logger, now: () => number = Date.now): void {
  for (const warning of mountWarnings(spool.mountEntry)) log.warn(warning.message, warning.fields);
  const measured = fileClock(spool, now);
  if (measured === null) return;
  const warning = clockWarning(measured.before, measured.mtimeMs, measured.after);
  if (warning) log.warn(warning.message, warning.fields);
}

/** Creates a file in this process's staging directory and reads its time from the descriptor. */
function fileClock(spool: Spool, now: () => number): { before: number; mtimeMs: number; after: number } | null {
  const dir = spool.layout.tmpDir(process.pid);
  const file = path.join(dir, 'clock');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const before = now();
    const fd = openSync(file, 'w', 0o600);
    try {
      const mtimeMs = fstatSync(fd).mtimeMs;
      return { before, mtimeMs, after: now() };
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  } finally {
    rmSync(file, { force: true });
  }
}
