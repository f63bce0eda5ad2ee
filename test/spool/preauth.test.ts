import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PREAUTH, PreauthRegistry, addressKey } from '../../src/spool/preauth';

describe('PreauthRegistry', () => {
  let root: string;
  let registry: PreauthRegistry;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'tfgw-preauth-'));
    registry = new PreauthRegistry(root, 'host-a');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('admits up to the cap per address and refuses the next without recording it', () => {
    assert.equal(registry.enter('10.0.0.1', 101, 2), true);
    assert.equal(registry.enter('10.0.0.1', 102, 2), true);
    assert.equal(registry.enter('10.0.0.1', 103, 2), false);
    assert.equal(registry.count('10.0.0.1'), 2);
    assert.equal(registry.enter('10.0.0.2', 104, 2), true, 'another address has its own count');
  });

  it('frees a place on leave; the empty address directory stays for the sweep', () => {
    registry.enter('10.0.0.1', 101, 1);
    assert.equal(registry.enter('10.0.0.1', 102, 1), false);
    registry.leave('10.0.0.1', 101);
    assert.deepEqual(readdirSync(path.join(root, PREAUTH, '10.0.0.1')), []);
    assert.equal(registry.enter('10.0.0.1', 102, 1), true);
    registry.leave('10.0.0.1', 102);
    registry.leave('10.0.0.1', 102);
    assert.equal(registry.sweepDead(() => true), 0);
    assert.equal(existsSync(path.join(root, PREAUTH, '10.0.0.1')), false, 'the sweep removes it once empty');
    assert.equal(registry.enter('10.0.0.1', 103, 1), true, 'and the next entry makes it again');
  });

  it('counts an IPv4-mapped address as the IPv4 one and keeps IPv6 names safe', () => {
    registry.enter('::ffff:127.0.0.1', 101, 1);
    assert.equal(registry.enter('127.0.0.1', 102, 1), false);
    assert.equal(addressKey('fe80::1%eth0'), 'fe80%3A%3A1%25eth0');
  });

  it('names each entry by node and pid', () => {
    registry.enter('10.0.0.1', 101, 5);
    assert.deepEqual(readdirSync(path.join(root, PREAUTH, '10.0.0.1')), ['host-a.101']);
  });

  it('sweeps the entries of dead processes only', () => {
    registry.enter('10.0.0.1', 101, 5);
    registry.enter('10.0.0.1', 102, 5);
    registry.enter('10.0.0.3', 103, 5);
    assert.equal(
      registry.sweepDead((ref) => ref.pid === 102),
      2,
    );
    assert.deepEqual(readdirSync(path.join(root, PREAUTH)), ['10.0.0.1']);
    assert.equal(registry.count('10.0.0.1'), 1);
  });

  it('counts every node sharing the spool, and its default sweep leaves other nodes alone', () => {
    const other = new PreauthRegistry(root, 'host-b');
    const gone = 4_000_000 + (process.pid % 100_000); // no process has a pid this high here
    assert.equal(other.enter('10.0.0.1', gone, 2), true);
    assert.equal(registry.enter('10.0.0.1', gone, 2), true, 'the same pid on another node is another process');
    assert.equal(registry.enter('10.0.0.1', process.pid, 2), false, 'the cap counts both nodes');
    assert.equal(registry.sweepDead(), 1, "this node's dead pid only");
    assert.deepEqual(readdirSync(path.join(root, PREAUTH, '10.0.0.1')), [`host-b.${gone}`]);
    assert.equal(
      registry.sweepDead((ref) => ref.node !== 'host-b'),
      1,
      'a stale node judged by the caller',
    );
    assert.equal(existsSync(path.join(root, PREAUTH, '10.0.0.1')), false);
  });

  it('removes entries that name no process (an older spool\'s bare pids, strays)', () => {
    registry.enter('10.0.0.1', 101, 5);
    writeFileSync(path.join(root, PREAUTH, '10.0.0.1', '4242'), '');
    assert.equal(
      registry.sweepDead(() => true),
      1,
    );
    assert.deepEqual(readdirSync(path.join(root, PREAUTH, '10.0.0.1')), ['host-a.101']);
  });
});
