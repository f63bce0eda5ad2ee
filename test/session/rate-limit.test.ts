import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUFFER_SIZE, HEADER_SIZE } from '../../src/protocol/limits';
import { RateLimiter } from '../../src/session/rate-limit';

/** The bucket's size: one second of traffic or two largest frames, whichever is more. */
const LARGEST = 2 * (BUFFER_SIZE + HEADER_SIZE);

function limiter(bytesPerSecond: number) {
  let now = 1000;
  const limit = new RateLimiter(bytesPerSecond, () => now);
  return {
    take: (bytes: number) => limit.take(bytes),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('inbound rate limit', () => {
  it('lets a full bucket through without pausing, then pauses for the time the excess takes to earn back', () => {
    const { take } = limiter(10 * LARGEST);
    assert.equal(take(10 * LARGEST), 0);
    // One byte over a limit of 10·LARGEST bytes per second: rounded up to a whole millisecond.
    assert.equal(take(1), 1);
    assert.equal(take(LARGEST), Math.ceil(((LARGEST + 1) * 1000) / (10 * LARGEST)));
  });

  it('refills at the configured rate, never beyond the bucket', () => {
    const rate = 10 * LARGEST;
    const { take, advance } = limiter(rate);
    take(rate);
    advance(500);
    assert.equal(take(rate / 2), 0, 'half a second earns half the rate');
    assert.ok(take(1) > 0);
    advance(60_000);
    assert.equal(take(rate), 0, 'a long quiet spell refills the bucket');
    assert.ok(take(LARGEST) > 0, 'but no more than one second of traffic');
  });

  it('always admits the largest frames at a slow rate, however low the limit', () => {
    const { take } = limiter(1000);
    assert.equal(take(LARGEST), 0);
    assert.equal(take(1000), 1000, 'a second of traffic costs a second');
  });
});
