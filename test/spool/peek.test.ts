/** Peeking into an inbox (src/spool/peek.ts): what is listed, in which order, and that nothing is taken. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { FULL_MARK } from '../../src/spool/layout';
import { maildirName } from '../../src/spool/message-name';
import { escapeBytes, peekInbox } from '../../src/spool/peek';
import { spoolPerTest } from './spool-fixture';

describe('peek', () => {
  const t = spoolPerTest('tfgw-peek-');

  it('lists every message entry in delivery order with size, age, writer and an escaped preview, and takes nothing', async () => {
    const bob = await t().liveSession('bob');
    const own = t().putMessage(bob.dir, 'hello\tbob\n', 5028);
    const other = maildirName(1000, 4711, 1, 'gw1');
    writeFileSync(path.join(bob.dir, other), Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x5c, 0x00, 0xff]));
    writeFileSync(path.join(bob.dir, 'hello.txt'), 'x'.repeat(100));
    writeFileSync(path.join(bob.dir, 'empty'), '');
    writeFileSync(path.join(bob.dir, FULL_MARK), '');
    const before = readdirSync(bob.dir).sort();

    const peek = peekInbox(t().layout, 'bob', 8, Date.now() + 5000);

    assert.deepEqual(readdirSync(bob.dir).sort(), before, 'nothing taken');
    assert.equal(peek.present, true);
    assert.equal(peek.full, true);
    assert.equal(peek.pid, process.pid);
    assert.deepEqual(
      peek.entries.map((e) => [e.name, e.kind, e.size, e.pattern, e.writer, e.preview, e.truncated]),
      [
        [other, 'file', 8, 'maildir', 'pid 4711 on gw1', '\\x1b[31m\\\\\\x00\\xff', false],
        [own, 'file', 10, 'tfgw', 'tfgw pid 5028 on writer', 'hello\\tbo', true],
        ['empty', 'file', 0, 'other', 'unknown', '', false],
        ['hello.txt', 'file', 100, 'other', 'unknown', 'xxxxxxxx', true],
      ],
    );
    assert.ok(peek.entries.every((e) => e.ageMs >= 4000), 'ages are measured from the files\' times');
  });

  it('describes foreign entries without following or opening them for reading', async () => {
    const bob = await t().liveSession('bob');
    mkdirSync(path.join(bob.dir, 'adir'));
    symlinkSync('/etc/passwd', path.join(bob.dir, 'alink'));
    execFileSync('mkfifo', [path.join(bob.dir, 'fifo')]);
    const peek = peekInbox(t().layout, 'bob');
    assert.deepEqual(
      peek.entries.map((e) => [e.name, e.kind, e.preview]),
      [
        ['adir', 'directory', ''],
        ['alink', 'symlink', ''],
        ['fifo', 'fifo', ''],
      ],
    );
  });

  it('says when nobody holds the identity', () => {
    const peek = peekInbox(t().layout, 'nobody');
    assert.deepEqual(peek, { name: 'nobody', present: false, identity: null, pid: null, claim: null, full: false, entries: [] });
  });

  it('escapes every byte that is not printable ASCII', () => {
    assert.equal(escapeBytes(Buffer.from('a b~\\\r\n\t\u00e9\u0007')), 'a b~\\\\\\r\\n\\t\\xc3\\xa9\\x07');
  });
});
