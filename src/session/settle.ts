/**
 * Most session processes sit idle (waiting to accept, or holding a quiet peer).
 * Once traffic has stopped for a while, a low-memory collection (which also
 * shrinks the young generation back after a burst) and malloc_trim() hand the
 * memory that start-up and past bursts freed back to the system, which is what
 * memory per idle peer comes down to.
 */

import { type Ticker, type Unsubscribe, processTicker } from '../clock/ticker';

/** How often the byte counters are compared: two equal readings in a row mean quiet. */
export const SETTLE_CHECK_MS = 2000;

/**
 * Calls `release` once each time `bytesMoved` stops changing between two
 * checks, and not again until it has changed.
 */
export function settleWhenQuiet(
  bytesMoved: () => number,
  release: () => void,
  ticker: Ticker = processTicker,
  everyMs = SETTLE_CHECK_MS,
): Unsubscribe {
  let lastBytes = -1;
  let settled = false;
  return ticker.every(everyMs, () => {
    const bytes = bytesMoved();
    if (bytes !== lastBytes) {
      lastBytes = bytes;
      settled = false;
      return;
    }
    if (settled) return;
    settled = true;
    release();
  });
}
