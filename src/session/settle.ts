/**
 * Most session processes sit idle (waiting to accept, or holding a quiet peer).
 * Once traffic has stopped for a while, a low-memory collection (which also
 * shrinks the young generation back after a burst) and malloc_trim() hand the
 * memory that start-up and past bursts freed back to the system, which is what
 * memory per idle peer comes down to.
 */

/** How often the byte counters are compared: two equal readings in a row mean quiet. */
export const SETTLE_CHECK_MS = 2000;

/**
 * Calls `release` once each time `bytesMoved` stops changing between two
 * checks, and not again until it has changed.
 */
export function settleWhenQuiet(bytesMoved: () => number, release: () => void, everyMs = SETTLE_CHECK_MS): NodeJS.Timeout {
  let lastBytes = -1;
  let settled = false;
  const timer = setInterval(() => {
    const bytes = bytesMoved();
    if (bytes !== lastBytes) {
      lastBytes = bytes;
      settled = false;
      return;
    }
    if (settled) return;
    settled = true;
    release();
  }, everyMs);
  timer.unref();
  return timer;
}
