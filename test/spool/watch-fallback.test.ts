/**
 * The watch without a kernel watch (src/spool/watch.ts, watch-poll.ts): polling
 * reports each new name once, and a kernel refusal (EMFILE from fs.watch) makes
 * mode `auto` fall back to polling at once and mode `native` fail.
 */
import assert from 'node:assert/strict';
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pollDirectory } from '../../src/spool/watch-poll';
import { isWatchExhausted, watchDirectory } from '../../src/spool/watch';

async function until(done: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** Makes every fs.watch throw as the kernel does when the user's inotify instances are used up. */
function refuseKernelWatches(): () => void {
  const original = fs.watch;
  (fs as { watch: unknown }).watch = () => {
    throw Object.assign(new Error('EMFILE: too many open files, watch'), { code: 'EMFILE' });
  };
  return () => {
    (fs as { watch: unknown }).watch = original;
  };
}

describe('watch without inotify', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-watchpoll-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('polling reports each arrival once and not what was there before', async () => {
    const dir = mkdtempSync(path.join(root, 'p'));
    writeFileSync(path.join(dir, 'old'), '');
    const names: string[] = [];
    const w = pollDirectory(dir, 20, (n) => names.push(n), () => undefined);
    await w.ready;
    writeFileSync(path.join(dir, 'a'), '');
    writeFileSync(path.join(dir, 'b'), '');
    await until(() => names.length >= 2);
    await new Promise((r) => setTimeout(r, 80));
    await w.close();
    assert.deepEqual(names.sort(), ['a', 'b']);
  });

  it('polling reports the directory removed', async () => {
    const dir = mkdtempSync(path.join(root, 'r'));
    const errors: Error[] = [];
    const w = pollDirectory(dir, 20, () => undefined, (e) => errors.push(e));
    await w.ready;
    rmSync(dir, { recursive: true });
    await until(() => errors.length > 0);
    await w.close();
    assert.match(errors[0]?.message ?? '', /removed/);
  });

  it('auto: a refused kernel watch falls back to polling at once, reported once', async () => {
    const dir = mkdtempSync(path.join(root, 'a'));
    const restore = refuseKernelWatches();
    const names: string[] = [];
    const fallbacks: Error[] = [];
    const errors: Error[] = [];
    const w = watchDirectory(dir, (n) => names.push(n), (e) => errors.push(e), {
      pollIntervalMs: 20,
      onFallback: (e) => fallbacks.push(e),
    });
    try {
      await w.ready;
      assert.equal(w.polling, true);
      writeFileSync(path.join(dir, 'm1'), '');
      await until(() => names.includes('m1'));
      assert.deepEqual(names, ['m1']);
      assert.equal(fallbacks.length, 1);
      assert.ok(isWatchExhausted(fallbacks[0] as Error));
      assert.deepEqual(errors, []);
    } finally {
      restore();
      await w.close();
    }
  });

  it('native: a refused kernel watch makes the watch fail', async () => {
    const dir = mkdtempSync(path.join(root, 'n'));
    const restore = refuseKernelWatches();
    const w = watchDirectory(dir, () => undefined, () => undefined, { mode: 'native' });
    try {
      await assert.rejects(w.ready, /EMFILE/);
      assert.equal(w.polling, false);
    } finally {
      restore();
      await w.close();
    }
  });

  it('auto with a kernel watch does not poll', async () => {
    const dir = mkdtempSync(path.join(root, 'k'));
    const w = watchDirectory(dir, () => undefined, () => undefined, { pollIntervalMs: 20 });
    await w.ready;
    assert.equal(w.polling, false);
    await w.close();
  });
});
