import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { watchInbox, watcherReady } from '../../src/spool/watch';

describe('inbox watcher', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-watch-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('names every file renamed into the inbox, and chokidar never lists the inbox', async () => {
    const dir = path.join(root, 'inbox');
    const tmp = path.join(root, 'tmp');
    mkdirSync(dir);
    mkdirSync(tmp);
    writeFileSync(path.join(dir, 'queued-before'), 'x');
    const seen: string[] = [];
    const watcher = watchInbox(dir, (name) => seen.push(name));
    const adds: string[] = [];
    watcher.on('add', (p) => adds.push(p));
    await watcherReady(watcher);
    const names = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    for (const name of names) {
      writeFileSync(path.join(tmp, name), name);
      renameSync(path.join(tmp, name), path.join(dir, name));
    }
    const deadline = Date.now() + 5000;
    while (names.some((n) => !seen.includes(n)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await watcher.close();
    assert.deepEqual(
      seen.filter((n) => n.startsWith('m')),
      names,
      'one notification per arrival, in arrival order',
    );
    assert.deepEqual(adds, [], 'no file is tracked by chokidar itself');
    assert.ok(watcher.scansRefused >= 1, 'chokidar asked to list the inbox and was refused');
  });
});
