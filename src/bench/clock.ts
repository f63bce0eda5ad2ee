/**
 * The one clock the bench uses: milliseconds of the system's monotonic clock
 * (CLOCK_MONOTONIC on Linux). It is the same clock in every process of the
 * machine, so a timestamp written by one process can be subtracted from a
 * reading taken in another.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
