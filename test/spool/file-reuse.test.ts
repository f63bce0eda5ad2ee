/**
 * Where message files are handed back (src/spool/file-reuse.ts): only on an ext4
 * without a journal, told from the kernel's views, which these tests build.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type KernelViews, onExt4WithoutJournal, reusesFiles } from '../../src/spool/file-reuse';

describe('file reuse', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-reuse-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let made = 0;

  /** Kernel views in which the file system of `root` is device `device`, with the given ext4 and journal entries. */
  function views(device: string | null, ext4: boolean, journals: string[] | null): KernelViews {
    const base = path.join(root, `views-${made++}`);
    const sys = path.join(base, 'sys');
    const proc = path.join(base, 'proc');
    mkdirSync(path.join(sys, 'dev', 'block'), { recursive: true });
    mkdirSync(path.join(proc, 'fs'), { recursive: true });
    if (device !== null) {
      const dev = statSync(root).dev;
      const numbers = `${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)}`;
      symlinkSync(`../../devices/virtual/block/${device}`, path.join(sys, 'dev', 'block', numbers));
    }
    if (ext4 && device !== null) mkdirSync(path.join(proc, 'fs', 'ext4', device), { recursive: true });
    if (journals !== null) {
      mkdirSync(path.join(proc, 'fs', 'jbd2'));
      for (const journal of journals) mkdirSync(path.join(proc, 'fs', 'jbd2', journal));
    }
    return { sys, proc };
  }

  it('an ext4 without a journal is told apart from one with a journal, and from anything else', () => {
    assert.equal(onExt4WithoutJournal(root, views('vdb', true, ['vda-8'])), true, 'only another device has a journal');
    assert.equal(onExt4WithoutJournal(root, views('vdb', true, null)), true, 'no journal anywhere');
    assert.equal(onExt4WithoutJournal(root, views('vdb', true, ['vdb-8'])), false, 'its journal is listed');
    assert.equal(onExt4WithoutJournal(root, views('vdb', false, [])), false, 'not an ext4');
    assert.equal(onExt4WithoutJournal(root, views(null, true, [])), false, 'the device cannot be named');
    assert.equal(onExt4WithoutJournal(path.join(root, 'missing'), views('vdb', true, [])), false, 'no such directory');
  });

  it("'auto' reuses only there, 'on' anywhere local, 'off' and a network file system never", () => {
    const nojournal = views('vdc', true, []);
    const journal = views('vdc', true, ['vdc-8']);
    assert.equal(reusesFiles('auto', root, false, nojournal), true);
    assert.equal(reusesFiles('auto', root, false, journal), false);
    assert.equal(reusesFiles('on', root, false, journal), true);
    assert.equal(reusesFiles('off', root, false, nojournal), false);
    assert.equal(reusesFiles('on', root, true, nojournal), false);
    assert.equal(reusesFiles('auto', root, true, nojournal), false);
  });

  it('a file in place of the views is read as no journal information', () => {
    const base = path.join(root, 'flat');
    mkdirSync(base);
    writeFileSync(path.join(base, 'sys'), '');
    assert.equal(onExt4WithoutJournal(root, { sys: path.join(base, 'sys'), proc: path.join(base, 'proc') }), false);
  });
});
