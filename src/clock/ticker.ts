/**
 * One periodic timer per process for all the periodic work of a session process:
 * the run-record refresh, the inbox's follow-up listing, the memory settle check,
 * the slow-receiver check and, past the inotify budget, the polling of the inbox.
 * Each on its own timer woke an idle process several times a second at unrelated
 * moments, and an idle peer's cost is mostly those wake-ups: on this project's
 * two-core test machine a wake-up costs an idle Node process about 0.16 ms of CPU
 * (a C program doing nothing but sleep 0.07 ms), so a host with a thousand idle
 * peers pays each one a thousand times. Sharing one timer makes them one wake-up
 * per period, whatever is subscribed.
 *
 * The timer's period is `basePeriodMs`, or the shortest interval subscribed when
 * that is shorter (a polled inbox); every subscription runs on the nearest whole
 * number of periods to its interval.
 */

/** The timer functions a ticker uses (the global ones, or a test's). */
export interface TickTimers {
  setInterval(fn: () => void, ms: number): NodeJS.Timeout;
  clearInterval(timer: NodeJS.Timeout): void;
}

/** Ends a subscription; calling it again does nothing. */
export type Unsubscribe = () => void;

interface Subscription {
  readonly fn: () => void;
  readonly intervalMs: number;
  /** Periods between calls, at the current period. */
  every: number;
  /** Periods left until the next call. */
  left: number;
}

export class Ticker {
  private readonly subscriptions = new Set<Subscription>();
  private timer: NodeJS.Timeout | null = null;
  private period: number;

  constructor(
    readonly basePeriodMs = 1000,
    // Looked up at each call, so that a test's mocked timers apply to the process ticker too.
    private readonly timers: TickTimers = {
      setInterval: (fn, ms) => setInterval(fn, ms),
      clearInterval: (timer) => clearInterval(timer),
    },
  ) {
    this.period = basePeriodMs;
  }

  /**
   * Calls `fn` about every `intervalMs` (the first call one interval from now). The
   * timer runs only while something is subscribed and never keeps the process alive.
   */
  every(intervalMs: number, fn: () => void): Unsubscribe {
    const subscription: Subscription = { fn, intervalMs: Math.max(1, intervalMs), every: 1, left: 1 };
    this.subscriptions.add(subscription);
    if (!this.repace()) {
      subscription.every = this.periodsFor(subscription.intervalMs);
      subscription.left = subscription.every;
    }
    return () => {
      if (this.subscriptions.delete(subscription)) this.repace();
    };
  }

  /** The subscription count (for tests). */
  get size(): number {
    return this.subscriptions.size;
  }

  /** The timer's period now (ms). */
  get periodMs(): number {
    return this.period;
  }

  private periodsFor(intervalMs: number): number {
    return Math.max(1, Math.round(intervalMs / this.period));
  }

  /**
   * Sets the period for what is subscribed now and (re)starts or stops the timer;
   * true when it restarted the timer (every subscription's count then starts over).
   */
  private repace(): boolean {
    if (this.subscriptions.size === 0) {
      if (this.timer) this.timers.clearInterval(this.timer);
      this.timer = null;
      this.period = this.basePeriodMs;
      return false;
    }
    let period = this.basePeriodMs;
    for (const subscription of this.subscriptions) period = Math.min(period, subscription.intervalMs);
    if (this.timer && period === this.period) return false;
    if (this.timer) this.timers.clearInterval(this.timer);
    this.period = period;
    for (const subscription of this.subscriptions) {
      subscription.every = this.periodsFor(subscription.intervalMs);
      subscription.left = subscription.every;
    }
    this.timer = this.timers.setInterval(() => this.tick(), period);
    this.timer.unref();
    return true;
  }

  private tick(): void {
    // A copy: a callback may subscribe or unsubscribe.
    for (const subscription of [...this.subscriptions]) {
      if (!this.subscriptions.has(subscription) || --subscription.left > 0) continue;
      subscription.left = subscription.every;
      subscription.fn();
    }
  }
}

/** The process's own ticker: a tick a second, faster while an inbox is polled. */
export const processTicker = new Ticker();
