/** The inbox bound (src/spool/inbox-bound.ts): queue figures and the full mark, with its hysteresis. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { InboxBound } from '../../src/spool/inbox-bound';
import { FULL_MARK } from '../../src/spool/layout';

describe('inbox bound', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-bound-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  function rig(maxFiles: number, maxBytes: number) {
    const dir = mkdtempSync(path.join(root, `inbox-${++n}-`));
    return { bound: new InboxBound(dir, { maxFiles, maxBytes }), marked: () => existsSync(path.join(dir, FULL_MARK)) };
  }

  it('counts each message once, and forgets it once', () => {
    const { bound } = rig(100, 1 << 20);
    bound.count('a', 10);
    bound.count('a', 10);
    bound.count('b', 5);
    assert.deepEqual(bound.queued, { files: 2, bytes: 15 });
    bound.forget('a');
    bound.forget('a');
    bound.forget('never');
    assert.deepEqual(bound.queued, { files: 1, bytes: 5 });
  });

  it('learns the size of a message a listing found once its arrival is noted', () => {
    const { bound } = rig(100, 1 << 20);
    bound.resync(['a', 'b']);
    assert.deepEqual(bound.queued, { files: 2, bytes: 0 });
    bound.noteArrival('a', 7);
    bound.noteArrival('a', 7);
    assert.deepEqual(bound.queued, { files: 2, bytes: 7 });
  });

  it('matches a fresh listing: what is gone is forgotten, what is new is counted', () => {
    const { bound } = rig(100, 1 << 20);
    bound.noteArrival('a', 3);
    bound.noteArrival('b', 4);
    bound.resync(['b', 'c']);
    assert.deepEqual(bound.queued, { files: 2, bytes: 4 });
  });

  it('marks the inbox full at the file bound and clears the mark only below half of it', () => {
    const { bound, marked } = rig(4, 1 << 20);
    for (const name of ['a', 'b', 'c']) bound.noteArrival(name, 1);
    assert.equal(marked(), false);
    assert.equal(bound.fullSince, null);
    bound.noteArrival('d', 1);
    assert.equal(marked(), true, 'full at 4 files');
    assert.ok(bound.fullSince !== null && Date.now() - bound.fullSince < 5000);
    bound.forget('a');
    bound.forget('b');
    bound.update();
    assert.equal(marked(), true, 'still full at 2 files (half the bound)');
    bound.forget('c');
    bound.update();
    assert.equal(marked(), false, 'cleared below half');
    assert.equal(bound.fullSince, null);
  });

  it('marks the inbox full at the byte bound too', () => {
    const { bound, marked } = rig(100, 1000);
    bound.noteArrival('a', 999);
    assert.equal(marked(), false);
    bound.noteArrival('b', 1);
    assert.equal(marked(), true);
  });
});
