/** The outbox (src/spool/outbox.ts): each outcome of a send, seen in the spool. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { SEND_SLOW, SEND_WRITE_FAILED_BASE, type SpoolFileCalls, TAKE_OTHER, spoolFileCalls } from '../../src/native';
import { FULL_MARK } from '../../src/spool/layout';
import { isMessageName } from '../../src/spool/names';
import { Outbox } from '../../src/spool/outbox';
import { spoolPerTest } from './spool-fixture';

const SENDER_PID = 999_999;

function messagesIn(dir: string): string[] {
  return readdirSync(dir).filter(isMessageName).sort();
}

// Every case through the JavaScript calls alone, and again through the native one where it is built.
const native = spoolFileCalls();
const CALLS = [
  { path: 'JavaScript file calls', calls: null, skip: false },
  { path: 'native file calls', calls: native, skip: native === null ? 'not built on this machine' : false },
] as const;

for (const variant of CALLS) describe(`outbox (${variant.path})`, { skip: variant.skip }, () => {
  const t = spoolPerTest('tfgw-outbox-');
  let outbox: Outbox;
  beforeEach(() => {
    outbox = new Outbox(t().layout, SENDER_PID, variant.calls);
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

  it('answers no-peer when nobody holds the identity, or the inbox went away, without writing a temporary file', async () => {
    const big = Buffer.alloc(512 * 1024, 'm');
    assert.equal(outbox.send(Buffer.from('nobody'), big), 'no-peer');
    const bob = await t().liveSession('bob');
    rmSync(bob.dir, { recursive: true, force: true });
    assert.equal(outbox.send(Buffer.from('bob'), big), 'no-peer');
    assert.equal(existsSync(t().layout.tmpDir(SENDER_PID)), false, 'no temporary directory was ever needed');
  });

  it('answers no-peer, writing nothing, once the holder has left', async () => {
    const bob = await t().liveSession('bob');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('1')), 'queued');
    rmSync(bob.dir, { recursive: true, force: true });
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('2')), 'no-peer');
    assert.deepEqual(readdirSync(t().layout.tmpDir(SENDER_PID)), []);
  });

  it('looks at the link before the temporary directory: no-peer even when that directory is unusable', async () => {
    await t().liveSession('bob');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('1')), 'queued');
    // A file where the temporary directory is: any attempt to stage a message there fails.
    rmSync(t().layout.tmpDir(SENDER_PID), { recursive: true });
    writeFileSync(t().layout.tmpDir(SENDER_PID), 'in the way');
    assert.equal(outbox.send(Buffer.from('nobody'), Buffer.alloc(64 * 1024)), 'no-peer');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('2')), 'failed', 'a live peer still needs the staging');
  });

  it('answers inbox-full while the holder\'s full mark is there, and queues again once it is gone', async () => {
    const bob = await t().liveSession('bob');
    // A first send, so that the next ones are past the outbox's first-send set-up.
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('before')), 'queued');
    writeFileSync(path.join(bob.dir, FULL_MARK), '');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'inbox-full');
    assert.deepEqual(messagesIn(bob.dir).length, 1);
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

/** A stand-in for the native call that answers `code` after doing what that answer says it did. */
function answering(code: number, stage: boolean): SpoolFileCalls & { calls: number } {
  const fake = {
    calls: 0,
    fileSize: () => -1,
    takeMessage: () => TAKE_OTHER,
    sendMessage: (_link: string, _full: string, staged: string, bytes: Uint8Array) => {
      fake.calls++;
      if (stage) writeFileSync(staged, bytes);
      return code;
    },
  };
  return fake;
}

describe('outbox, after each answer of the native call', () => {
  const t = spoolPerTest('tfgw-outbox-answers-');

  /** An outbox whose staging directory exists (the first send, through JavaScript, made it). */
  async function outboxWith(calls: SpoolFileCalls & { calls: number }): Promise<{ outbox: Outbox; dir: string }> {
    const bob = await t().liveSession('bob');
    const outbox = new Outbox(t().layout, SENDER_PID, calls);
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('first')), 'queued');
    assert.equal(calls.calls, 0, 'the first send makes the staging directory itself');
    return { outbox, dir: bob.dir };
  }

  it('queued: nothing more to do', async () => {
    const calls = answering(0, false);
    const { outbox } = await outboxWith(calls);
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'queued');
    assert.equal(calls.calls, 1);
  });

  it('left to JavaScript: the send goes the long way, once', async () => {
    const { outbox, dir } = await outboxWith(answering(SEND_SLOW, false));
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('second')), 'queued');
    assert.deepEqual(
      messagesIn(dir).map((n) => readFileSync(path.join(dir, n), 'utf8')),
      ['first', 'second'],
    );
  });

  it('a failed write: failed, with the reason, and no staged file left', async () => {
    const { outbox } = await outboxWith(answering(SEND_WRITE_FAILED_BASE + 28, false));
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'failed');
    assert.match(outbox.lastError, /ENOSPC/);
    assert.deepEqual(readdirSync(t().layout.tmpDir(SENDER_PID)), []);
  });

  it('a rename that found no link: tried once more after revalidating, as a network file system needs', async () => {
    const { outbox, dir } = await outboxWith(answering(-2, true));
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('staged')), 'queued');
    assert.deepEqual(
      messagesIn(dir).map((n) => readFileSync(path.join(dir, n), 'utf8')),
      ['first', 'staged'],
    );
  });

  it('an answer the call does not give: failed, and no staged file left', async () => {
    const { outbox, dir } = await outboxWith(answering(7, true));
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'failed');
    assert.match(outbox.lastError, /answered 7/);
    assert.deepEqual(readdirSync(t().layout.tmpDir(SENDER_PID)), []);
    assert.equal(messagesIn(dir).length, 1);
  });

  it('a rename refused otherwise: failed, with the reason, and the staged file removed', async () => {
    const { outbox, dir } = await outboxWith(answering(-18, true));
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('x')), 'failed');
    assert.match(outbox.lastError, /EXDEV/);
    assert.deepEqual(readdirSync(t().layout.tmpDir(SENDER_PID)), []);
    assert.equal(messagesIn(dir).length, 1);
  });
});
