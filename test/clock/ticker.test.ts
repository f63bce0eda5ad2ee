import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Ticker, type TickTimers } from '../../src/clock/ticker';

/** Timers that record the periods asked for and run on the mocked clock. */
function recordingTimers(): TickTimers & { started: number[]; cleared: number } {
  const timers = {
    started: [] as number[],
    cleared: 0,
    setInterval: (fn: () => void, ms: number) => {
      timers.started.push(ms);
      return setInterval(fn, ms);
    },
    clearInterval: (timer: NodeJS.Timeout) => {
      timers.cleared++;
      clearInterval(timer);
    },
  };
  return timers;
}

describe('Ticker', () => {
  it('calls every subscriber from one timer, each at its own interval', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const timers = recordingTimers();
      const ticker = new Ticker(1000, timers);
      const calls: string[] = [];
      const cancelA = ticker.every(1000, () => calls.push('a'));
      const cancelB = ticker.every(2000, () => calls.push('b'));
      assert.deepEqual(timers.started, [1000], 'one timer for both');
      mock.timers.tick(999);
      assert.deepEqual(calls, []);
      mock.timers.tick(1);
      assert.deepEqual(calls, ['a']);
      mock.timers.tick(1000);
      assert.deepEqual(calls, ['a', 'a', 'b']);
      cancelA();
      mock.timers.tick(2000);
      assert.deepEqual(calls, ['a', 'a', 'b', 'b']);
      cancelB();
      cancelB();
      assert.equal(ticker.size, 0);
      assert.equal(timers.cleared, 1, 'the timer stops with the last subscriber');
    } finally {
      mock.timers.reset();
    }
  });

  it('ticks faster while a shorter interval is subscribed, taking the others along, and slows down after', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const timers = recordingTimers();
      const ticker = new Ticker(1000, timers);
      let slow = 0;
      let fast = 0;
      ticker.every(1000, () => slow++);
      const cancelFast = ticker.every(200, () => fast++);
      assert.equal(ticker.periodMs, 200);
      assert.deepEqual(timers.started, [1000, 200]);
      mock.timers.tick(1000);
      assert.equal(fast, 5);
      assert.equal(slow, 1, 'the one-second work runs on every fifth fast tick');
      cancelFast();
      assert.equal(ticker.periodMs, 1000);
      assert.deepEqual(timers.started, [1000, 200, 1000]);
      mock.timers.tick(1000);
      assert.equal(slow, 2);
      assert.equal(fast, 5);
    } finally {
      mock.timers.reset();
    }
  });

  it('lets a subscriber unsubscribe another during a tick without calling it', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const ticker = new Ticker(1000);
      let second = false;
      let cancelSecond = (): void => {};
      ticker.every(1000, () => cancelSecond());
      cancelSecond = ticker.every(1000, () => {
        second = true;
      });
      mock.timers.tick(1000);
      assert.equal(second, false);
    } finally {
      mock.timers.reset();
    }
  });
});
