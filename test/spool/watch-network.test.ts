/**
 * The watch of an inbox on a network file system (src/spool/watch.ts, `alsoPoll`):
 * another host's renames notify nothing here, so the directory is listed as well
 * as watched. A kernel watch that never fires stands in for that here.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { watchDirectory } from '../../src/spool/watch';

async function until(done: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** Makes every fs.watch succeed and then report nothing, as inotify does for another NFS client's changes. */
function silenceKernelWatches(): () => void {
  const original = fs.watch;
  (fs as { watch: unknown }).watch = () => Object.assign(new EventEmitter(), { close: () => undefined, ref: () => undefined, unref: () => undefined });
  return () => {
    (fs as { watch: unknown }).watch = original;
  };
}

describe('watch on a network file system', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-watchnet-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  async function arrivals(alsoPoll: boolean): Promise<{ names: string[]; polling: boolean }> {
    const dir = mkdtempSync(path.join(root, 'w'));
    const restore = silenceKernelWatches();
    const names: string[] = [];
    const w = watchDirectory(dir, (n) => names.push(n), () => undefined, { pollIntervalMs: 20, alsoPoll });
    try {
      await w.ready;
      writeFileSync(path.join(dir, 'from-another-host'), '');
      await until(() => names.length > 0, alsoPoll ? 3000 : 300);
      return { names, polling: w.polling };
    } finally {
      restore();
      await w.close();
    }
  }

  it('finds what arrives without any notification, by listing', async () => {
    const seen = await arrivals(true);
    assert.deepEqual(seen.names, ['from-another-host']);
    assert.equal(seen.polling, true);
  });

  it('(without listing, a silent kernel watch finds nothing: what the listing is for)', async () => {
    const seen = await arrivals(false);
    assert.deepEqual(seen.names, []);
    assert.equal(seen.polling, false);
  });

  it('still reports this host\'s own arrivals through the kernel watch on top', async () => {
    const dir = mkdtempSync(path.join(root, 'k'));
    const names: string[] = [];
    // A listing interval long past the test: only the kernel watch can report in time.
    const w = watchDirectory(dir, (n) => names.push(n), () => undefined, { pollIntervalMs: 60_000, alsoPoll: true });
    try {
      await w.ready;
      writeFileSync(path.join(dir, 'local'), '');
      await until(() => names.includes('local'));
      assert.ok(names.includes('local'));
    } finally {
      await w.close();
    }
  });
});
