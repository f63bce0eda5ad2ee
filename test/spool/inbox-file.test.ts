/**
 * Taking one inbox entry (src/spool/inbox-file.ts): every kind of entry, through
 * the JavaScript calls alone and through the native call where it is built, with
 * the same outcome and the same spool left behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TAKE_OTHER, TAKE_VANISHED, spoolFileCalls } from '../../src/native';
import { MAX_MESSAGE_BYTES, MessageFileReader } from '../../src/spool/inbox-file';

const native = spoolFileCalls();
const CALLS = [
  { path: 'JavaScript file calls', calls: null, skip: false },
  { path: 'native file calls', calls: native, skip: native === null ? 'not built on this machine' : false },
] as const;

/** Bytes that differ from position to position, so a misplaced or short read shows. */
function pattern(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + (i >> 8)) & 0xff;
  return out;
}

for (const variant of CALLS)
  describe(`taking an inbox entry (${variant.path})`, { skip: variant.skip }, () => {
    let dir = '';
    let reader: MessageFileReader;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'tfgw-inbox-file-'));
      reader = new MessageFileReader(variant.calls);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    for (const size of [0, 1, 1024, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, MAX_MESSAGE_BYTES]) {
      it(`reads a ${size}-byte message whole and removes its file`, () => {
        const file = path.join(dir, 'm');
        const bytes = pattern(size);
        writeFileSync(file, bytes);
        const entry = reader.take(file);
        assert.equal(entry.kind, 'message');
        assert.ok(entry.kind === 'message' && entry.data.equals(bytes));
        assert.equal(existsSync(file), false);
      });
    }

    it('reads consecutive messages into the reused buffer without mixing them', () => {
      writeFileSync(path.join(dir, 'a'), 'a longer first message');
      writeFileSync(path.join(dir, 'b'), 'second');
      const first = reader.take(path.join(dir, 'a'));
      assert.ok(first.kind === 'message' && first.data.toString() === 'a longer first message');
      const second = reader.take(path.join(dir, 'b'));
      assert.ok(second.kind === 'message' && second.data.toString() === 'second');
    });

    it('drops a file over the largest message unread, and removes it', () => {
      const file = path.join(dir, 'big');
      writeFileSync(file, Buffer.alloc(MAX_MESSAGE_BYTES + 1));
      assert.deepEqual(reader.take(file), { kind: 'too-large', size: MAX_MESSAGE_BYTES + 1 });
      assert.equal(existsSync(file), false);
    });

    it('says vanished for a name that is not there', () => {
      assert.deepEqual(reader.take(path.join(dir, 'gone')), { kind: 'vanished' });
    });

    it('removes a symbolic link without following it or touching its target', () => {
      const target = path.join(dir, 'target');
      writeFileSync(target, 'secret');
      symlinkSync(target, path.join(dir, 'link'));
      assert.deepEqual(reader.take(path.join(dir, 'link')), { kind: 'foreign', foreign: 'symlink' });
      assert.equal(existsSync(path.join(dir, 'link')), false);
      assert.equal(readFileSync(target, 'utf8'), 'secret');
    });

    it('removes a directory with what is in it', () => {
      mkdirSync(path.join(dir, 'sub'));
      writeFileSync(path.join(dir, 'sub', 'x'), 'x');
      assert.deepEqual(reader.take(path.join(dir, 'sub')), { kind: 'foreign', foreign: 'directory' });
      assert.equal(existsSync(path.join(dir, 'sub')), false);
    });

    it('removes a FIFO without blocking on it', () => {
      const fifo = path.join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      assert.deepEqual(reader.take(fifo), { kind: 'foreign', foreign: 'fifo' });
      assert.equal(existsSync(fifo), false);
    });
  });

describe('the native take, left to the JavaScript path', { skip: native === null ? 'not built on this machine' : false }, () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tfgw-inbox-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves a file as big as its buffer, a link and a directory untouched', () => {
    const into = Buffer.alloc(64);
    writeFileSync(path.join(dir, 'full'), Buffer.alloc(64));
    symlinkSync(path.join(dir, 'full'), path.join(dir, 'link'));
    mkdirSync(path.join(dir, 'sub'));
    for (const name of ['full', 'link', 'sub']) {
      assert.equal(native!.takeMessage(path.join(dir, name), into), TAKE_OTHER, name);
      assert.equal(existsSync(path.join(dir, name)), true, name);
    }
    assert.equal(native!.takeMessage(path.join(dir, 'none'), into), TAKE_VANISHED);
  });

  it('sizes a file as stat does: through a link, and -1 for nothing there', () => {
    writeFileSync(path.join(dir, 'five'), '12345');
    symlinkSync(path.join(dir, 'five'), path.join(dir, 'link'));
    symlinkSync(path.join(dir, 'none'), path.join(dir, 'dangling'));
    assert.equal(native!.fileSize(path.join(dir, 'five')), 5);
    assert.equal(native!.fileSize(path.join(dir, 'link')), 5);
    assert.equal(native!.fileSize(path.join(dir, 'dangling')), -1);
    assert.equal(native!.fileSize(path.join(dir, 'five', 'below')), -1);
  });
});
