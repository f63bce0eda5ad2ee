/** The inbox bound (src/spool/inbox-bound.ts): queue figures from the files on disk, and the full mark with its hysteresis. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeBatch } from '../../src/spool/batch';
import { InboxBound } from '../../src/spool/inbox-bound';
import { FULL_MARK } from '../../src/spool/layout';

describe('inbox bound', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-bound-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  function rig(maxFiles: number, maxBytes: number) {
    const dir = mkdtempSync(path.join(root, `inbox-${++n}-`));
    const put = (name: string, size: number) => writeFileSync(path.join(dir, name), Buffer.alloc(size, 1));
    return {
      dir,
      bound: new InboxBound(dir, { maxFiles, maxBytes }),
      put,
      marked: () => existsSync(path.join(dir, FULL_MARK)),
    };
  }

  it('counts each message once at its size on disk, and forgets it once', () => {
    const { bound, put } = rig(100, 1 << 20);
    put('a', 10);
    put('b', 5);
    bound.count('a');
    bound.count('a');
    bound.count('b');
    assert.deepEqual(bound.queued, { files: 2, bytes: 15 });
    bound.forget('a');
    bound.forget('a');
    bound.forget('never');
    assert.deepEqual(bound.queued, { files: 1, bytes: 5 });
  });

  it('counts the bytes of files a listing found (not 0 as before)', () => {
    const { bound, put } = rig(100, 1 << 20);
    put('a', 7);
    put('b', 3);
    bound.resync(['a', 'b']);
    assert.deepEqual(bound.queued, { files: 2, bytes: 10 });
    bound.admit('a');
    bound.update();
    assert.deepEqual(bound.queued, { files: 2, bytes: 10 });
  });

  it('matches a fresh listing: what is gone is forgotten, what is new is counted', () => {
    const { bound, put } = rig(100, 1 << 20);
    put('a', 3);
    put('b', 4);
    put('c', 5);
    bound.admit('a');
    bound.update();
    bound.admit('b');
    bound.update();
    bound.resync(['b', 'c']);
    assert.deepEqual(bound.queued, { files: 2, bytes: 9 });
  });

  it('marks the inbox full at the file bound and clears the mark only below half of it', () => {
    const { bound, marked, put } = rig(4, 1 << 20);
    for (const name of ['a', 'b', 'c', 'd']) put(name, 1);
    for (const name of ['a', 'b', 'c']) bound.admit(name);
 bound.update();
    assert.equal(marked(), false);
    assert.equal(bound.fullSince, null);
    bound.admit('d');
    bound.update();
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

  it('marks the inbox full at the byte bound, also for files first seen by a listing', () => {
    const { bound, marked, put } = rig(100, 1000);
    put('a', 999);
    put('b', 1);
    bound.resync(['a']);
    bound.update();
    assert.equal(marked(), false);
    bound.resync(['a', 'b']);
    bound.update();
    assert.equal(marked(), true);
  });

  it('counts the messages of a batch file, not the file, and a garbled one as one message', () => {
    const { dir, bound, marked, put } = rig(10, 1 << 20);
    const batch = encodeBatch(Array.from({ length: 9 }, (_, i) => Buffer.from(`m${i}`)));
    writeFileSync(path.join(dir, 'a.batch'), batch);
    writeFileSync(path.join(dir, 'b.batch'), 'not a batch');
    put('c', 4);
    bound.admit('a.batch');
    bound.update();
    assert.deepEqual(bound.queued, { files: 9, bytes: batch.length });
    assert.equal(marked(), false);
    bound.admit('b.batch');
    bound.update();
    assert.equal(marked(), true, 'full at 10 messages in two files');
    bound.resync(['b.batch', 'c']);
    assert.deepEqual(bound.queued, { files: 2, bytes: 11 + 4 }, 'the batch file is forgotten with its messages');
  });

  it('removes unread a file that arrives once the queue is at its bound, and says how big it was', () => {
    const { dir, bound, put } = rig(100, 10);
    put('a', 6);
    put('b', 5);
    put('c', 3);
    assert.equal(bound.admit('a'), null);
    assert.equal(bound.admit('b'), null, 'below the bound when it came: kept (the queue ends within one file of the bound)');
    assert.deepEqual(bound.admit('c'), { bytes: 3, messages: 1 }, 'at the bound: dropped');
    assert.equal(existsSync(path.join(dir, 'c')), false, 'and removed');
    assert.equal(bound.admit('a'), null, 'a file already counted is never dropped');
    assert.deepEqual(bound.queued, { files: 2, bytes: 11 });
  });
});
