import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { settleWhenQuiet } from '../../src/session/settle';

describe('settleWhenQuiet', () => {
  it('releases memory once when traffic stops, and again only after it moved', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      let bytes = 0;
      let releases = 0;
      const timer = settleWhenQuiet(
        () => bytes,
        () => releases++,
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
      clearInterval(timer);
    } finally {
      mock.timers.reset();
    }
  });
});
