import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeBatch } from '../../src/spool/batch';
import { InboxReader } from '../../src/spool/inbox';
import { messageName } from '../../src/spool/names';

describe('inbox reader', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-reader-'));
  const readers: InboxReader[] = [];
  // Stopped even when an assertion fails, so that no watcher keeps the process alive.
  after(async () => {
    await Promise.all(readers.map((r) => r.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  let n = 0;

  function rig() {
    const dir = path.join(root, `inbox-${++n}`);
    const tmp = path.join(root, `tmp-${n}`);
    mkdirSync(dir);
    mkdirSync(tmp);
    const got: string[] = [];
    const events: string[] = [];
    const reader = new InboxReader(
      dir,
      {
        batchStart: () => events.push('start'),
        batchEnd: () => events.push(`end after ${got.length}`),
        dropped: (reason, name) => events.push(`${reason} ${name}`),
        // The buffer is only valid during the call: copy it out.
        deliver: (m) => {
          got.push(m.toString());
          return true;
        },
        evicted: () => assert.fail('not evicted'),
        failed: (err) => assert.fail(err),
      },
      { maxFiles: 1000, maxBytes: 1 << 20 },
    );
    readers.push(reader);
    let seq = 0;
    const put = (text: string, pid = 4242) => {
      const name = messageName(Date.now(), 'writer', pid, ++seq);
      writeFileSync(path.join(tmp, name), text);
      renameSync(path.join(tmp, name), path.join(dir, name));
    };
    const until = async (cond: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return cond();
    };
    /** Renames `bytes` in under `name` (a batch file when it ends in .batch). */
    const putFile = (name: string, bytes: Uint8Array) => {
      writeFileSync(path.join(tmp, name), bytes);
      renameSync(path.join(tmp, name), path.join(dir, name));
    };
    return { dir, reader, got, events, put, putFile, until };
  }

  it('delivers what was queued before it started, in send order, then new arrivals, and deletes each', async () => {
    const { dir, reader, got, put, until } = rig();
    for (let i = 0; i < 20; i++) put(`early ${i}`);
    await reader.start();
    reader.enable();
    for (let i = 0; i < 20; i++) put(`late ${i}`);
    assert.ok(await until(() => got.length === 40, 5000), `delivered ${got.length} of 40`);
    assert.deepEqual(got, [...Array.from({ length: 20 }, (_, i) => `early ${i}`), ...Array.from({ length: 20 }, (_, i) => `late ${i}`)]);
    assert.ok(await until(() => readdirSync(dir).length === 0, 2000), 'every delivered file deleted');
    await reader.stop();
  });

  it('finds files whose notifications were lost while the inbox was idle, long after any delivery, in send order', async () => {
    const { reader, got, put, until } = rig();
    await reader.start();
    reader.enable();
    // Past the listing that delivery starts with, so the next pass trusts the notification alone.
    await new Promise((r) => setTimeout(r, 1100));
    put('seen');
    assert.ok(await until(() => got.length === 1, 3000));
    // The inbox stays idle well past the follow-up listing that a delivery arms.
    await new Promise((r) => setTimeout(r, 2500));
    // From now on the kernel's notifications do not reach the reader (as when its queue overflows).
    (reader as unknown as { onRaw: (name: string) => void }).onRaw = () => undefined;
    for (let i = 0; i < 5; i++) put(`unnoticed ${i}`);
    // Only the periodic listing can find them now (a generous deadline: it lists once a second).
    assert.ok(await until(() => got.length === 6, 10_000), `delivered ${got.length} of 6`);
    assert.deepEqual(got.slice(1), Array.from({ length: 5 }, (_, i) => `unnoticed ${i}`));
    await reader.stop();
  });

  it('delivers a batch file as its messages, in order, in one batch of writes, sorted among plain files', async () => {
    const { dir, reader, got, events, putFile, until } = rig();
    await reader.start();
    reader.enable();
    await new Promise((r) => setTimeout(r, 50));
    const base = messageName(Date.now(), 'gw1', 4242, 1);
    putFile(`${base}.batch`, encodeBatch(['b0', 'b1', 'b2'].map((t) => Buffer.from(t))));
    assert.ok(await until(() => got.length === 3, 5000), `delivered ${got.length} of 3`);
    assert.deepEqual(got, ['b0', 'b1', 'b2']);
    assert.deepEqual(events, ['start', 'end after 3'], 'a lone batch file still goes out as one write');
    assert.ok(await until(() => readdirSync(dir).length === 0, 2000), 'the batch file is deleted');
    await reader.stop();
  });

  it('drops a batch file that does not decode, reports it, and goes on with the next file', async () => {
    const { dir, reader, got, events, put, putFile, until } = rig();
    const good = encodeBatch([Buffer.from('x'), Buffer.from('y')]);
    putFile(`${messageName(Date.now() - 1000, 'gw1', 4242, 1)}.batch`, good.subarray(0, good.length - 1));
    put('after');
    await reader.start();
    reader.enable();
    assert.ok(await until(() => got.length === 1, 5000));
    assert.deepEqual(got, ['after']);
    assert.ok(events.some((e) => /^bad-batch \d{13}-0004242-0000000001\.gw1\.batch$/.test(e)), events.join(', '));
    assert.ok(await until(() => readdirSync(dir).length === 0, 2000), 'the bad file is removed');
    await reader.stop();
  });
});
