/** Safe reads (src/spool/fs-safe.ts): what is not there reads as empty, never as an error. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { listDir, sizeOf } from '../../src/spool/fs-safe';

describe('fs-safe', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-fs-safe-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'five');
  writeFileSync(file, '12345');
  mkdirSync(path.join(dir, 'sub'));

  it('lists a directory, and a missing one or a file as empty', () => {
    assert.deepEqual(listDir(dir).sort(), ['five', 'sub']);
    assert.deepEqual(listDir(path.join(dir, 'missing')), []);
    assert.deepEqual(listDir(file), []);
  });

  it('gives a file\'s size, and null for a missing one or a path through a file', () => {
    assert.equal(sizeOf(file), 5);
    assert.equal(sizeOf(path.join(dir, 'missing')), null);
    assert.equal(sizeOf(path.join(file, 'below')), null);
  });
});
