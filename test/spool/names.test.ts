/** The names that carry a process (src/spool/names.ts): node ids, claims, staging, run records, messages. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  claimName,
  evictedBy,
  isClaimName,
  isMessageName,
  isNodeId,
  messageName,
  nodeIdFromHost,
  parseClaim,
  parseMessageName,
  parseProcessKey,
  parseRunFileName,
  processKey,
  runFileName,
} from '../../src/spool/names';

describe('node ids', () => {
  it('makes a host name safe: lower case, dots and other characters to -, at most 63', () => {
    assert.equal(nodeIdFromHost('gw1.example.org'), 'gw1-example-org');
    assert.equal(nodeIdFromHost('GW_2'), 'gw_2');
    assert.equal(nodeIdFromHost('-lead:ing/x'), 'lead-ing-x');
    assert.equal(nodeIdFromHost('a'.repeat(100)), 'a'.repeat(63));
    assert.equal(nodeIdFromHost(''), 'node');
    assert.equal(nodeIdFromHost('...'), 'node');
    for (const host of ['gw1.example.org', 'GW_2', 'x y z', 'ÿhost', '']) assert.ok(isNodeId(nodeIdFromHost(host)), host);
  });

  it('accepts exactly the grammar [a-z0-9][a-z0-9_-]{0,62}', () => {
    for (const id of ['a', '0', 'gw1', 'gw-1_b', 'a'.repeat(63)]) assert.equal(isNodeId(id), true, id);
    for (const id of ['', '-a', '_a', 'A', 'a.b', 'a/b', 'a b', 'a'.repeat(64)]) assert.equal(isNodeId(id), false, id);
  });
});

describe('names that carry a process', () => {
  it('keys a process by node and pid, and reads both back', () => {
    assert.equal(processKey('gw1', 42), 'gw1.42');
    assert.deepEqual(parseProcessKey('gw-1.42'), { node: 'gw-1', pid: 42 });
    for (const key of ['42', 'gw1', 'gw1.', 'gw1.0', 'gw1.42x', '.gw1.42', 'ext-backup-4711', 'GW1.42']) {
      assert.equal(parseProcessKey(key), null, key);
    }
  });

  it('names run records by process, the one being rewritten included', () => {
    assert.equal(runFileName('gw1', 42), 'gw1.42.json');
    assert.deepEqual(parseRunFileName('gw1.42.json'), { node: 'gw1', pid: 42 });
    assert.deepEqual(parseRunFileName('.gw1.42.json.tmp'), { node: 'gw1', pid: 42 });
    for (const entry of ['42.json', 'gw1.42', 'gw1.42.json.bak', 'gw1.x.json']) assert.equal(parseRunFileName(entry), null, entry);
  });

  it('names claims uniquely by node, pid and counter, and reads node and pid back', () => {
    const a = claimName('gw1', 4321, 1, 1_700_000_000_000);
    const b = claimName('gw1', 4321, 2, 1_700_000_000_000);
    assert.notEqual(a, b);
    assert.equal(a, `gw1.4321-${(1_700_000_000_000).toString(36)}-1`);
    assert.ok(isClaimName(a) && isClaimName(b));
    assert.deepEqual(parseClaim(a), { node: 'gw1', pid: 4321 });
    assert.notEqual(claimName('gw1', 7, 1, 5), claimName('gw2', 7, 1, 5), 'two hosts with the same pid differ');
    for (const name of ['', 'abc', '12-abc-1', 'gw1.12-', 'gw1.12-abc', 'gw1.12-ABC-1', 'gw1.-abc-1', 'gw1.12-abc-1 ', '.gw1.12-abc-1']) {
      assert.equal(isClaimName(name), false, name);
    }
  });

  it('names messages so that they sort by time first, and in send order for each sender', () => {
    assert.equal(messageName(1, 'gw1', 2, 3), '0000000000001-0000002-0000000003.gw1');
    const sent = [messageName(999, 'b', 7, 1), messageName(1000, 'b', 7, 2), messageName(1000, 'b', 7, 10), messageName(1001, 'b', 7, 11)];
    assert.deepEqual([...sent].sort(), sent);
    // Another node's message of an earlier millisecond sorts first, whatever the node ids.
    assert.deepEqual([messageName(1001, 'a', 1, 1), messageName(1000, 'zz', 9, 9)].sort(), [messageName(1000, 'zz', 9, 9), messageName(1001, 'a', 1, 1)]);
  });

  it('reads a message name back, with a suffix that does not change its base', () => {
    const base = messageName(1_764_290_145_310, 'gw-1', 5028, 1);
    assert.deepEqual(parseMessageName(base), { ms: 1_764_290_145_310, node: 'gw-1', pid: 5028, seq: 1, suffix: '' });
    const suffixed = messageName(1_764_290_145_310, 'gw-1', 5028, 1, '.batch');
    assert.equal(suffixed, `${base}.batch`);
    assert.deepEqual(parseMessageName(suffixed), { ms: 1_764_290_145_310, node: 'gw-1', pid: 5028, seq: 1, suffix: '.batch' });
    assert.ok(isMessageName(suffixed));
  });

  it('recognises nothing else as a tfgw message name', () => {
    for (const name of [
      'owner.json',
      '.lock',
      '0000000000001-0000002-0000000003',
      '0000000000001-0000002-000000003.gw1',
      '0000000000001-0000002-0000000003.',
      '0000000000001-0000002-0000000003.GW',
      '0000000000001-0000002-0000000003.gw1x/y',
      '0000000000001-0000002-0000000003.gw1batch'.replace('gw1batch', 'gw1:batch'),
      '1764290145310.P4711Q0000000001.gw1.example.org',
      `${messageName(1, 'gw1', 2, 3)}.${'x'.repeat(255)}`,
    ]) {
      assert.equal(isMessageName(name), false, name);
    }
  });

  it('writes who took an inbox over into its .evicted mark', () => {
    assert.equal(evictedBy('gw2', 99), 'gw2.99\n');
  });
});
