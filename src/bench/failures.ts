/**
 * Failures of a run's attempts (connections, peers), tallied by message: each
 * worker counts its own, the coordinator adds them up and names a few in the
 * run's warning.
 */

/** Failure messages and how often each came. */
export type Failures = Record<string, number>;

/** Counts one failed attempt under its error's message. */
export function countFailure(failures: Failures, error: unknown): void {
  const message = (error as Error).message;
  failures[message] = (failures[message] ?? 0) + 1;
}

/** The workers' tallies added up, and how many failed in all. */
export function mergeFailures(parts: readonly { failures: Failures }[]): { failures: Failures; failed: number } {
  const failures: Failures = {};
  for (const part of parts) for (const [m, n] of Object.entries(part.failures)) failures[m] = (failures[m] ?? 0) + n;
  return { failures, failed: Object.values(failures).reduce((s, n) => s + n, 0) };
}

/** The first few messages, for a warning line. */
export function someFailures(failures: Failures): string {
  return Object.keys(failures).slice(0, 3).join('; ');
}
