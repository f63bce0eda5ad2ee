/** Message names (src/spool/message-name.ts): tfgw's own, the Maildir style, and what a name says of its writer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeWriter, isMessageName, maildirName, messageName, parseMessageName } from '../../src/spool/message-name';

describe('message names', () => {
  it('names messages so that names sort in send order for each sender', () => {
    const names = [messageName(1000, 'gw1', 7, 2), messageName(1000, 'gw1', 7, 10), messageName(999, 'gw1', 7, 11), messageName(1001, 'gw1', 7, 1)];
    for (const name of names) assert.ok(isMessageName(name), name);
    // Times never decrease within a process; within one millisecond the sequence orders.
    const sent = [messageName(999, 'gw1', 7, 1), messageName(1000, 'gw1', 7, 2), messageName(1000, 'gw1', 7, 10), messageName(1001, 'gw1', 7, 11)];
    assert.deepEqual([...sent].sort(), sent);
    assert.equal(messageName(1, 'gw1', 2, 3), '0000000000001-0000002-0000000003.gw1');
  });

  it('recognises nothing else as tfgw\'s own name', () => {
    for (const name of ['owner.json', '.lock', '.evicted', '.full', '0000000000001-0000002-000000003.gw1', '0000000000001-0000002-0000000003', `${messageName(1, 'gw1', 2, 3)}/x`, 'a000000000001-0000002-0000000003']) {
      assert.equal(isMessageName(name), false, name);
    }
  });

  it('reads the time, pid, sequence and node back from tfgw\'s name', () => {
    const parts = parseMessageName('1764290145310-0005028-0000000001.gw1');
    assert.deepEqual(parts, { pattern: 'tfgw', ms: 1764290145310, pid: 5028, seq: 1, node: 'gw1', suffix: '' });
    assert.equal(describeWriter(parts), 'tfgw pid 5028 on gw1');
  });

  it('makes and reads the Maildir-style name of SPOOL.md §7.2, host dots kept and / : left out', () => {
    const name = maildirName(1764290145310, 4711, 1, 'gw1.example.org');
    assert.equal(name, '1764290145310.P4711Q0000000001.gw1.example.org');
    const parts = parseMessageName(name);
    assert.deepEqual(parts, { pattern: 'maildir', ms: 1764290145310, unique: 'P4711Q0000000001', host: 'gw1.example.org', pid: 4711, seq: 1 });
    assert.equal(describeWriter(parts), 'pid 4711 on gw1.example.org');
    assert.equal(maildirName(1, 2, 3, 'a/b:c'), '0000000000001.P2Q0000000003.abc');
  });

  it('reads a Maildir-style name with another unique part, and calls anything else unknown', () => {
    const parts = parseMessageName('1764290145310.M20345R88.host');
    assert.equal(parts.pattern, 'maildir');
    assert.equal(describeWriter(parts), 'M20345R88 on host');
    for (const name of ['hello.txt', '176429014531.P1Q1.host', '1764290145310.P1Q1.', '1764290145310..host', '1764290145310.P1Q1.h:x']) {
      assert.deepEqual(parseMessageName(name), { pattern: 'other' }, name);
      assert.equal(describeWriter(parseMessageName(name)), 'unknown');
    }
  });

  it('sorts both patterns by time first, so the messages of all writers come roughly in time order', () => {
    const names = [maildirName(1002, 9, 1, 'h'), messageName(1001, 'gw1', 7, 5), maildirName(1000, 9, 2, 'h'), messageName(1003, 'gw1', 7, 6)];
    assert.deepEqual([...names].sort().map((n) => (parseMessageName(n) as { ms: number }).ms), [1000, 1001, 1002, 1003]);
  });
});
