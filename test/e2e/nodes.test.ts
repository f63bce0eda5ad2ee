/**
 * Several nodes, one spool: two real servers on this machine share a spool under
 * different node ids and ports, standing in for two hosts. A peer on one messages a
 * peer on the other; a live node is never swept by the other; a node whose server
 * and sessions are killed is cleared by the other only once its heartbeat stood
 * still, and the spool ends empty.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GatewayPeer } from '../../src/client';
import { parseRunFileName } from '../../src/spool/names';
import { type ServerHandle, startServer } from '../helpers/tfgw-server';
import { peerOf } from './fixture';

const STALE_MS = 3000;

function texts(messages: Buffer[]): string[] {
  return messages.map((m) => m.toString());
}

describe('two nodes sharing one spool', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfgw-nodes-'));
  const spool = path.join(dir, 'spool');
  let a: ServerHandle;
  let b: ServerHandle;
  const env = { TFGW_STALE_MS: String(STALE_MS) };

  before(async () => {
    a = await startServer(['--spool', spool, '--node-id', 'node-a'], env);
    b = await startServer(['--spool', spool, '--node-id', 'node-b'], env);
  });
  after(async () => {
    // A server killed by a signal has no exit left to wait for: only its directory to remove.
    const stop = (server: ServerHandle | undefined) =>
      server?.child.signalCode ? rmSync(path.dirname(server.dataDir), { recursive: true, force: true }) : server?.stop();
    await Promise.all([stop(a), stop(b)]);
    rmSync(dir, { recursive: true, force: true });
  });

  const list = (sub: string) => (existsSync(path.join(spool, sub)) ? readdirSync(path.join(spool, sub)) : []);

  it('carries messages both ways, in order, between a peer on each node', async () => {
    const alice = await peerOf(a, 'alice');
    const bob = await peerOf(b, 'bob');
    const claims = list('.inboxes');
    assert.ok(claims.some((c) => c.startsWith('node-a.')) && claims.some((c) => c.startsWith('node-b.')), claims.join(' '));
    const sent = Array.from({ length: 50 }, (_, i) => `m${i}`);
    for (const m of sent) await alice.send('bob', m);
    for (const m of sent) await bob.send('alice', m);
    assert.deepEqual(texts(await bob.receive(50)), sent);
    assert.deepEqual(texts(await alice.receive(50)), sent);
    await Promise.all([alice.leave(), bob.leave()]);
    assert.ok(await a.waitFor(() => a.spoolEntries().length === 0));
  });

  it("hands an identity taken over on the other node to the newcomer; messages sent after reach it", async () => {
    const sender = await peerOf(a, 'sender');
    const first = await peerOf(a, 'carol');
    const second = await peerOf(b, 'carol');
    await new Promise((r) => setTimeout(r, 1000));
    await sender.send('carol', 'to the newest');
    assert.deepEqual(texts(await second.receive(1)), ['to the newest']);
    assert.equal(first.buffered, 0);
    await Promise.all([sender.leave(), first.leave(), second.leave()]);
  });

  let bob: GatewayPeer;
  let alice: GatewayPeer;

  it("never sweeps a live node's peer, however many sweeps go by", async () => {
    alice = await peerOf(a, 'alice');
    bob = await peerOf(b, 'bob');
    // Three sweeps of each server.
    await new Promise((r) => setTimeout(r, 3 * STALE_MS + 500));
    assert.deepEqual(a.spoolEntries().sort(), ['alice', 'bob']);
    await alice.send('bob', 'still there');
    assert.deepEqual(texts(await bob.receive(1)), ['still there']);
    assert.doesNotMatch(a.logs(), /swept stale spool entries/);
  });

  it("clears a killed node's identities only after its heartbeat stood still, then keeps serving", async () => {
    const sessions = list('.run')
      .map(parseRunFileName)
      .filter((p) => p !== null && p.node === 'node-b')
      .map((p) => p!.pid);
    assert.ok(sessions.length > 0, 'node-b has session processes');
    b.child.kill('SIGKILL');
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    const killedAt = Date.now();
    // Within staleMs minus a heartbeat interval nothing can be judged stale.
    await new Promise((r) => setTimeout(r, STALE_MS / 3));
    assert.equal(existsSync(path.join(spool, 'bob')), true, 'not swept before its heartbeat stood still');
    assert.ok(await a.waitFor(() => !existsSync(path.join(spool, 'bob')), 4 * STALE_MS), "node-b's identity is cleared");
    assert.ok(Date.now() - killedAt >= STALE_MS / 3);
    assert.ok(await a.waitFor(() => !list('.nodes').includes('node-b') && !list('.run').some((r) => r.startsWith('node-b.')), 2 * STALE_MS));
    assert.deepEqual(list('.inboxes').filter((c) => c.startsWith('node-b.')), []);
    // A still serves.
    const dave = await peerOf(a, 'dave');
    await dave.send('alice', 'after the crash');
    assert.deepEqual(texts(await alice.receive(1)), ['after the crash']);
    await Promise.all([dave.leave(), alice.leave()]);
  });

  it('leaves nothing in the spool once every peer left and the server stopped', async () => {
    assert.equal(await a.stop(), 0);
    for (const sub of ['.inboxes', '.tmp', '.run', '.nodes', '.locks']) assert.deepEqual(list(sub), [], sub);
    assert.deepEqual(readdirSync(spool).filter((n) => !n.startsWith('.')), []);
  });
});
