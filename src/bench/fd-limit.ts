/**
 * Open-file limits: every connection the bench holds is a file descriptor in
 * one of its processes, so holding N peers needs N descriptors there (Node
 * raises its soft limit to the hard one at start; `ulimit -n` sets the hard one).
 */
import { readFileSync } from 'node:fs';

/** This process's soft limit on open files, or null when unknown. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return null;
  }
}

/** Descriptors a process needs besides its connections (stdio, the fork channel, libuv, loaded files). */
const SPARE = 64;

/** A warning when one bench process would hold more connections than its limit allows, else null. */
export function fdWarning(connectionsPerProcess: number): string | null {
  const limit = openFileLimit();
  if (limit === null || connectionsPerProcess + SPARE <= limit) return null;
  return (
    `a bench process holds up to ${connectionsPerProcess} connections but may open only ${limit} files: ` +
    'raise the limit (ulimit -n) or add --workers'
  );
}
