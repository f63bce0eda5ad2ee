/**
 * Short-lived per-identity locks (`.locks/<name>.lock`, proper-lockfile) that make
 * claiming, taking over and releasing an identity one step at a time, whichever
 * processes race for it. A holder that dies leaves a lock that goes stale.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { SpoolLayout } from './layout';

export const IDENTITY_LOCK_STALE_MS = 5000;

export async function withIdentityLock<T>(layout: SpoolLayout, name: string, work: () => Promise<T> | T): Promise<T> {
  const lockPath = layout.identityLock(name);
  // The spool's .locks may have been removed under a running server.
  mkdirSync(path.dirname(lockPath), { recursive: true, mode: 0o700 });
  const release = await lockfile.lock(lockPath, {
    realpath: false,
    lockfilePath: lockPath,
    stale: IDENTITY_LOCK_STALE_MS,
    retries: { retries: 200, factor: 1.3, minTimeout: 1, maxTimeout: 50 },
    // The work under this lock takes milliseconds; a compromise means a stale-lock
    // takeover by another process, which the link checks below already tolerate.
    onCompromised: () => {},
  });
  try {
    return await work();
  } finally {
    await release().catch(() => {});
  }
}
