/** The outbox (src/spool/outbox.ts): each outcome of a send, seen in the spool. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { FULL_MARK } from '../../src/spool/layout';
import { isMessageName } from '../../src/spool/names';
import { Outbox } from '../../src/spool/outbox';
import { spoolPerTest } from './spool-fixture';

const SENDER_PID = 999_999;

function messagesIn(dir: string): string[] {
  return readdirSync(dir).filter(isMessageName).sort();
}

describe('outbox', () => {
  const t = spoolPerTest('tfgw-outbox-');
  let outbox: Outbox;
  beforeEach(() => {
    outbox = new Outbox(t().layout, SENDER_PID);
  });

  it('queues each message as one whole file in the holder\'s inbox, named in send order', async () => {
    const bob = await t().liveSession('bob');
    for (let i = 0; i < 5; i++) assert.equal(outbox.send(Buffer.from('bob'), Buffer.from(`hello ${i}`)), 'queued');
    const names = messagesIn(bob.dir);
    assert.equal(names.length, 5);
    assert.deepEqual(
      names.map((n) => readFileSync(path.join(bob.dir, n), 'utf8')),
      Array.from({ length: 5 }, (_, i) => `hello ${i}`),
      'name order is send order',
    );
    assert.ok(names.every((n) => n.includes(`-${String(SENDER_PID).padStart(7, '0')}-`)), 'names carry the sender pid');
    assert.deepEqual(readdirSync(t().layout.tmpDir(SENDER_PID)), [], 'nothing left in transit');
  });

  it('caches links only for short destinations: long ones never fill the heap', () => {
    for (let i = 0; i < 300; i++) {
      const long = Buffer.alloc(524_287, 'a');
      long.writeUInt32BE(i, 0);
      assert.equal(outbox.send(long, Buffer.alloc(0)), 'no-peer');
    }
    assert.equal(outbox.cachedLinks, 0);
    assert.equal(outbox.send(Buffer.from('short'), Buffer.alloc(0)), 'no-peer');
    assert.equal(outbox.cachedLinks, 1);
  });

  it('answers no-peer when nobody holds the identity, or the inbox went away', async () => {
    assert.equal(outbox.send(Buffer.from('nobody'), Buffer.from('x')), 'no-peer');
    const bob = await t().liveSession('bob');
    rmSync(bob.dir, { recursive: true, force: true });
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'no-peer');
    assert.deepEqual(readdirSync(t().layout.tmpDir(SENDER_PID)), [], 'the temporary file is removed');
  });

  it('answers inbox-full while the holder\'s full mark is there, and queues again once it is gone', async () => {
    const bob = await t().liveSession('bob');
    writeFileSync(path.join(bob.dir, FULL_MARK), '');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'inbox-full');
    assert.deepEqual(messagesIn(bob.dir), []);
    rmSync(path.join(bob.dir, FULL_MARK));
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'queued');
  });

  it('makes its temporary directory again if it was removed', async () => {
    const bob = await t().liveSession('bob');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('1')), 'queued');
    rmSync(t().layout.tmpDir(SENDER_PID), { recursive: true });
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('2')), 'queued');
    assert.equal(messagesIn(bob.dir).length, 2);
  });

  it('answers failed, with the reason kept, when the temporary file cannot be written', async () => {
    const bob = await t().liveSession('bob');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('1')), 'queued');
    // A file where the temporary directory should be.
    rmSync(t().layout.tmpDir(SENDER_PID), { recursive: true });
    writeFileSync(t().layout.tmpDir(SENDER_PID), 'in the way');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('2')), 'failed');
    assert.match(outbox.lastError, /ENOTDIR|EEXIST/);
    assert.equal(messagesIn(bob.dir).length, 1);
  });

  it('answers failed, not a throw, when its temporary directory cannot be made at all', async () => {
    await t().liveSession('bob');
    mkdirSync(path.dirname(t().layout.tmpDir(SENDER_PID)), { recursive: true });
    writeFileSync(t().layout.tmpDir(SENDER_PID), 'in the way');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'failed');
    assert.match(outbox.lastError, /EEXIST|ENOTDIR/);
  });

  it('removes its temporary directory on dispose', async () => {
    await t().liveSession('bob');
    outbox.send(Buffer.from('bob'), Buffer.from('x'));
    outbox.dispose();
    assert.deepEqual(readdirSync(path.dirname(t().layout.tmpDir(SENDER_PID))).includes(String(SENDER_PID)), false);
  });
});
