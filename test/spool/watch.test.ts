/**
 * The one directory watch (src/spool/watch.ts): it names every entry that
 * arrives, in arrival order, chokidar lists nothing while it runs, and the
 * chokidar installed is the one release whose handler the watch was written
 * against.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { FSWatcher } from 'chokidar';
import { CHOKIDAR_PINNED, watchDirectory } from '../../src/spool/watch';

// The very module object chokidar and readdirp call into, so that their calls are counted.
const fsPromises = createRequire(__filename)('node:fs/promises') as Record<string, (...args: unknown[]) => unknown>;

/** Counts chokidar's listings (readdir) and stats (lstat, stat) of paths under `dir`. */
function countFsCalls(dir: string): { counts: { readdir: number; lstat: number; stat: number }; restore(): void } {
  const counts = { readdir: 0, lstat: 0, stat: 0 };
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of Object.keys(counts) as (keyof typeof counts)[]) {
    const original = fsPromises[name];
    originals.set(name, original);
    fsPromises[name] = function (this: unknown, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].startsWith(dir)) counts[name]++;
      return original.apply(this, args);
    };
  }
  return {
    counts,
    restore: () => {
      for (const [name, original] of originals) fsPromises[name] = original;
    },
  };
}

async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('directory watch', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-watch-'));
  let dir = '';
  let tmp = '';
  let n = 0;
  // Closed even when an assertion fails, so that no watcher keeps the process alive.
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(open.map((w) => w.close()));
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    n++;
    dir = path.join(root, `inbox${n}`);
    tmp = path.join(root, `tmp${n}`);
    mkdirSync(dir);
    mkdirSync(tmp);
    writeFileSync(path.join(dir, 'queued-before'), 'x');
  });

  const names = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(3, '0')}`);
  function sendAll(): void {
    for (const name of names) {
      writeFileSync(path.join(tmp, name), name);
      renameSync(path.join(tmp, name), path.join(dir, name));
    }
  }

  it('names every file renamed into the directory, in arrival order, and chokidar lists nothing', async () => {
    const seen: string[] = [];
    const watch = watchDirectory(dir, (name) => seen.push(name));
    open.push(watch);
    await watch.ready;
    assert.equal(watch.refusing, true, 'the installed chokidar has the handler the watch was written against');
    const calls = countFsCalls(dir);
    try {
      sendAll();
      await until(() => names.every((name) => seen.includes(name)));
    } finally {
      calls.restore();
    }
    await watch.close();
    assert.deepEqual(
      seen.filter((name) => name.startsWith('m')),
      names,
      'one notification per arrival, in arrival order',
    );
    assert.deepEqual(calls.counts, { readdir: 0, lstat: 0, stat: 0 }, 'no listing, no stat of the directory');
    assert.ok(watch.listingsRefused >= 1, 'chokidar asked to list the directory and was refused');
  });

  it('(control) chokidar left alone lists the directory on notifications, so the count above can fail', async () => {
    const watcher = new FSWatcher({ depth: 0, ignoreInitial: true, ignored: (p: string) => p !== dir });
    open.push(watcher);
    let raw = 0;
    watcher.on('raw', () => raw++);
    const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    watcher.add(dir);
    await ready;
    const calls = countFsCalls(dir);
    try {
      sendAll();
      await until(() => raw >= names.length && calls.counts.readdir > 0);
    } finally {
      calls.restore();
    }
    await watcher.close();
    assert.ok(calls.counts.readdir > 0, 'chokidar listed the directory');
    assert.ok(calls.counts.lstat > 0, 'and stat-ed its entries');
  });

  it('calls nothing once closed', async () => {
    const seen: string[] = [];
    const watch = watchDirectory(dir, (name) => seen.push(name));
    open.push(watch);
    await watch.ready;
    await watch.close();
    sendAll();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, []);
  });
});

describe('chokidar pin', () => {
  // The watch refuses a listing through a member of chokidar's handler that is not
  // public API (see src/spool/watch.ts). Moving to another release means reading
  // that release's handler first, then changing CHOKIDAR_PINNED and package.json.
  it(`the installed chokidar is exactly ${CHOKIDAR_PINNED}, the release the watch was written against`, () => {
    const installed = JSON.parse(
      readFileSync(path.join(path.dirname(require.resolve('chokidar')), 'package.json'), 'utf8'),
    ) as { version: string };
    assert.equal(
      installed.version,
      CHOKIDAR_PINNED,
      `chokidar ${installed.version} is installed, but src/spool/watch.ts overrides a private member of ` +
        `chokidar ${CHOKIDAR_PINNED}'s handler: read the new release's handler.js (_handleDir, _handleRead), ` +
        'check that the override still ends its directory scans, then move CHOKIDAR_PINNED and package.json together',
    );
  });

  it('package.json asks for that exact release, not a range', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      name: string;
      dependencies: Record<string, string>;
    };
    assert.equal(manifest.name, 'tfgw');
    assert.equal(manifest.dependencies.chokidar, CHOKIDAR_PINNED, 'chokidar is pinned (no ^ or ~): see src/spool/watch.ts');
  });
});
