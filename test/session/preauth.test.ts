import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Logger } from '../../src/log/logger';
import { PreauthGate } from '../../src/session/preauth';
import { PreauthRegistry } from '../../src/spool/preauth';
import { ProcessCounters } from '../../src/spool/process-counters';

function fakeSocket(address: string): Socket & { destroyed: boolean } {
  const socket = { remoteAddress: address, destroyed: false, destroy: () => (socket.destroyed = true) };
  return socket as unknown as Socket & { destroyed: boolean };
}

describe('PreauthGate', () => {
  let root: string;
  let registry: PreauthRegistry;
  let stats: ProcessCounters;
  const gate = (pid: number, cap = 1, keyMs = 20) =>
    new PreauthGate(registry, { preauthPerAddress: cap, keyExchangeTimeoutMs: keyMs }, pid, stats, new Logger('error', 'text', 'test'));
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'tfgw-preauth-gate-'));
    registry = new PreauthRegistry(root);
    stats = new ProcessCounters();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('closes and counts a connection over its address cap, across processes', () => {
    const first = gate(1).admit(fakeSocket('10.0.0.1'));
    assert.notEqual(first, null);
    const refusedSocket = fakeSocket('10.0.0.1');
    assert.equal(gate(2).admit(refusedSocket), null);
    assert.equal(refusedSocket.destroyed, true);
    assert.equal(stats.preauthRefused, 1);
    first?.release();
    first?.release();
    assert.equal(registry.count('10.0.0.1'), 0);
    assert.notEqual(gate(2).admit(fakeSocket('10.0.0.1')), null);
  });

  it('ends a connection still before the hash when the key exchange time is up, not one past it', async () => {
    const shutdowns: string[] = [];
    const slow = { beforeHash: true, shutdown: (r: string) => shutdowns.push(r) };
    const quick = { beforeHash: false, shutdown: (r: string) => shutdowns.push(`quick ${r}`) };
    gate(1, 5).admit(fakeSocket('10.0.0.1'))?.guard(slow, 10);
    gate(2, 5).admit(fakeSocket('10.0.0.1'))?.guard(quick, 10);
    const released = gate(3, 5).admit(fakeSocket('10.0.0.1'));
    released?.guard(slow, 10);
    released?.release();
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.deepEqual(shutdowns, ['key exchange timed out']);
  });
});
