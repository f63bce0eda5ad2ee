/**
 * With `slowReceiverTimeoutMs` set, a client whose inbox stays full that long is
 * disconnected (its messages were being dropped meanwhile anyway). A timer per
 * connection looks at the mailbox's full mark at a modest pace.
 */

/**
 * Calls `tooSlow(ms)` once `fullSince()` has been set for `limitMs` or more (and again
 * each check while it stays so); null when the limit is off. The timer does not keep
 * the process alive; clear it with `clearInterval`.
 */
export function watchSlowReceiver(
  limitMs: number,
  fullSince: () => number | null,
  tooSlow: (fullForMs: number) => void,
  now: () => number = Date.now,
): NodeJS.Timeout | null {
  if (limitMs <= 0) return null;
  const timer = setInterval(
    () => {
      const since = fullSince();
      if (since !== null && now() - since >= limitMs) tooSlow(now() - since);
    },
    Math.min(1000, limitMs),
  );
  timer.unref();
  return timer;
}
