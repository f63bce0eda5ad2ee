import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
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
    const reader = new InboxReader(
      dir,
      {
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
    return { dir, reader, got, put, until };
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

  it('finds files whose notifications were lost within about a second, in send order, with no further arrivals', async () => {
    const { reader, got, put, until } = rig();
    await reader.start();
    reader.enable();
    // Past the listing that delivery starts with, so the next pass trusts the notification alone.
    await new Promise((r) => setTimeout(r, 1100));
    put('seen');
    assert.ok(await until(() => got.length === 1, 3000));
    // From now on the kernel's notifications do not reach the reader (as when its queue overflows).
    (reader as unknown as { onRaw: (name: string) => void }).onRaw = () => undefined;
    for (let i = 0; i < 5; i++) put(`unnoticed ${i}`);
    assert.ok(await until(() => got.length === 6, 3000), `delivered ${got.length} of 6`);
    assert.deepEqual(got.slice(1), Array.from({ length: 5 }, (_, i) => `unnoticed ${i}`));
    await reader.stop();
  });
});
