import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Ticker } from '../../src/clock/ticker';
import { settleWhenQuiet } from '../../src/session/settle';

describe('settleWhenQuiet', () => {
  it('releases memory once when traffic stops, and again only after it moved', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      let bytes = 0;
      let releases = 0;
      const cancel = settleWhenQuiet(
        () => bytes,
        () => releases++,
        new Ticker(1000),
        2000,
      );
      mock.timers.tick(2000); // first reading
      assert.equal(releases, 0);
      mock.timers.tick(2000); // unchanged: quiet
      assert.equal(releases, 1);
      mock.timers.tick(4000); // still quiet: not again
      assert.equal(releases, 1);
      bytes = 500;
      mock.timers.tick(2000); // moved
      assert.equal(releases, 1);
      mock.timers.tick(2000); // quiet again
      assert.equal(releases, 2);
      cancel();
    } finally {
      mock.timers.reset();
    }
  });
});
