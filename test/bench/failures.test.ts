import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Failures, countFailure, mergeFailures, someFailures } from '../../src/bench/failures';

describe('bench failure tallies', () => {
  it('counts failures by message', () => {
    const tally: Failures = {};
    countFailure(tally, new Error('refused'));
    countFailure(tally, new Error('refused'));
    countFailure(tally, new Error('timed out'));
    assert.deepEqual(tally, { refused: 2, 'timed out': 1 });
  });

  it('adds up the workers tallies and their total', () => {
    const merged = mergeFailures([{ failures: { refused: 2 } }, { failures: {} }, { failures: { refused: 1, reset: 4 } }]);
    assert.deepEqual(merged, { failures: { refused: 3, reset: 4 }, failed: 7 });
    assert.deepEqual(mergeFailures([]), { failures: {}, failed: 0 });
  });

  it('names at most three messages', () => {
    assert.equal(someFailures({ a: 1, b: 1, c: 1, d: 1 }), 'a; b; c');
    assert.equal(someFailures({}), '');
  });
});
