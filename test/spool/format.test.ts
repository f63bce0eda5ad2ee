import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CURRENT_FORMAT, FORMAT_FILE, ensureFormat, formatLine, parseFormat, requireFormat } from '../../src/spool/format';

describe('spool format file', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'tfgw-format-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;

  /** A fresh spool root, optionally holding a `.format` with `text`. */
  function spool(text?: string): string {
    const root = path.join(base, `spool-${++n}`);
    mkdirSync(root);
    if (text !== undefined) writeFileSync(path.join(root, FORMAT_FILE), text);
    return root;
  }
  const formatText = (root: string) => readFileSync(path.join(root, FORMAT_FILE), 'latin1');

  it('is version 2.0, written as one line', () => {
    assert.deepEqual({ ...CURRENT_FORMAT }, { major: 2, minor: 0 });
    assert.equal(formatLine(CURRENT_FORMAT), 'tfgw-spool 2.0\n');
  });

  it('creates .format in a new spool and leaves nothing else behind', () => {
    const root = spool();
    assert.deepEqual(ensureFormat(root), { major: 2, minor: 0 });
    assert.equal(formatText(root), 'tfgw-spool 2.0\n');
    // The staging directory under .tmp/ is gone again.
    assert.deepEqual(readdirSync(path.join(root, '.tmp')), []);
  });

  it('creates the spool root itself when it does not exist yet', () => {
    const root = path.join(base, 'not-yet', 'spool');
    assert.deepEqual(ensureFormat(root), { major: 2, minor: 0 });
    assert.equal(formatText(root), 'tfgw-spool 2.0\n');
  });

  it('is idempotent: a second call reads the file the first wrote', () => {
    const root = spool();
    ensureFormat(root);
    assert.deepEqual(ensureFormat(root), { major: 2, minor: 0 });
    assert.equal(formatText(root), 'tfgw-spool 2.0\n');
  });

  it('accepts a minor version it does not know, and does not rewrite the file', () => {
    const root = spool('tfgw-spool 2.7\nsomething a later minor version adds\n');
    assert.deepEqual(ensureFormat(root), { major: 2, minor: 7 });
    assert.equal(formatText(root), 'tfgw-spool 2.7\nsomething a later minor version adds\n');
  });

  it('accepts a format line without its newline (written by hand)', () => {
    assert.deepEqual(ensureFormat(spool('tfgw-spool 2.0')), { major: 2, minor: 0 });
  });

  it('refuses a newer major version with a message naming both versions', () => {
    const root = spool('tfgw-spool 3.0\n');
    assert.throws(() => ensureFormat(root), /has format 3\.0, newer than this tfgw understands \(major version 2\)/);
    assert.equal(formatText(root), 'tfgw-spool 3.0\n');
  });

  it('refuses an older major version', () => {
    assert.throws(() => ensureFormat(spool('tfgw-spool 0.9\n')), /has format 0\.9, older than/);
  });

  it('takes an empty version 1 spool over as version 2', () => {
    const root = spool('tfgw-spool 1.0\n');
    mkdirSync(path.join(root, '.inboxes'));
    assert.deepEqual(ensureFormat(root, 'gw1'), { major: 2, minor: 0 });
    assert.equal(formatText(root), 'tfgw-spool 2.0\n');
    assert.deepEqual(readdirSync(path.join(root, '.tmp')), [], 'nothing left in staging');
  });

  it('refuses a version 1 spool that still holds an identity', () => {
    const root = spool('tfgw-spool 1.0\n');
    mkdirSync(path.join(root, '.inboxes', '12-abc-1'), { recursive: true });
    assert.throws(() => ensureFormat(root), /has format 1\.0, older than .* still holds identities/);
    assert.equal(formatText(root), 'tfgw-spool 1.0\n');
  });

  for (const garbled of ['', 'hello\n', 'tfgw-spool 1\n', ' tfgw-spool 1.0\n', 'tfgw-spool 1.0 \n', 'tfgw-spool 01.0\n']) {
    it(`refuses a garbled file ${JSON.stringify(garbled)} and leaves it as it is`, () => {
      const root = spool(garbled);
      assert.throws(() => ensureFormat(root), /is garbled \(its first line should read "tfgw-spool 2\.0"/);
      assert.equal(formatText(root), garbled);
    });
  }

  it('refuses an unreadable .format (a directory) with a clear message', () => {
    const root = spool();
    mkdirSync(path.join(root, FORMAT_FILE));
    assert.throws(() => ensureFormat(root), /cannot read the spool format file .*\.format: EISDIR/);
    assert.ok(existsSync(path.join(root, FORMAT_FILE)));
  });

  it('lets a writer check the version without creating the file (SPOOL.md §7 step 1)', () => {
    const root = spool();
    assert.throws(() => requireFormat(root), /has no \.format: it is not a tfgw spool, or no tfgw serve has started on it/);
    assert.equal(existsSync(path.join(root, FORMAT_FILE)), false, 'a writer never writes .format');
    assert.deepEqual(requireFormat(spool('tfgw-spool 2.3\n')), { major: 2, minor: 3 });
    assert.throws(() => requireFormat(spool('tfgw-spool 3.0\n')), /has format 3\.0, newer than/);
  });

  it('parses only the first line', () => {
    assert.deepEqual(parseFormat('tfgw-spool 3.12\ntfgw-spool 1.0\n'), { major: 3, minor: 12 });
    assert.equal(parseFormat('x\ntfgw-spool 1.0\n'), null);
  });
});
