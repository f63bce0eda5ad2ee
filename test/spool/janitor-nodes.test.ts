/**
 * The janitor across nodes (src/spool/janitor.ts with heartbeat.ts): another node's
 * entries are judged by its heartbeat, seen changing or not on a clock the test
 * moves, never by a pid on this host; this node's stay judged by their process.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HeartbeatJudge } from '../../src/spool/heartbeat';
import { Janitor } from '../../src/spool/janitor';
import { SpoolLayout } from '../../src/spool/layout';
import { NodeHeartbeat } from '../../src/spool/node-heartbeat';
import { Ownership } from '../../src/spool/ownership';
import { PreauthRegistry } from '../../src/spool/preauth';
import { ProcessCounters } from '../../src/spool/process-counters';
import { writeRunRecord } from '../../src/spool/run-record';
import { STALE_MS, deadPid, spoolPerTest } from './spool-fixture';

describe('janitor across nodes', () => {
  const t = spoolPerTest('tfgw-janitor-nodes-');

  /** Node `other` sharing the spool: a session holding `identity`, its staging, run record and heartbeat. */
  async function otherNode(identity: string, pid: number) {
    const layout = new SpoolLayout(t().root, 'other');
    const ownership = new Ownership(layout, { staleMs: STALE_MS, pid });
    const claim = await ownership.prepare(Buffer.from(identity), '10.0.0.2:1', () => undefined);
    await ownership.publish(claim, 'takeover');
    mkdirSync(layout.tmpDir(pid), { recursive: true });
    writeFileSync(path.join(layout.tmpDir(pid), 'staged'), 'x');
    writeRunRecord(layout.runFile(pid), { pid, state: 'busy', since: 0, client: null, connections: 1, stats: new ProcessCounters() });
    const heartbeat = new NodeHeartbeat(layout, STALE_MS, pid);
    heartbeat.write();
    const preauth = new PreauthRegistry(t().root, 'other');
    preauth.enter('10.0.0.9', pid, 16);
    return { layout, claim, heartbeat, preauth };
  }

  function janitorWithClock() {
    const clock = { now: 0 };
    const janitor = new Janitor(t().layout, t().spool.ownership, STALE_MS, new HeartbeatJudge(STALE_MS, () => clock.now));
    return { clock, janitor };
  }

  it('leaves a live node alone however long it runs, though its pids mean nothing here', async () => {
    // A pid no process has on this host: a pid check would call it dead.
    const b = await otherNode('bob', deadPid());
    const { clock, janitor } = janitorWithClock();
    for (let sweep = 0; sweep < 6; sweep++) {
      const report = await janitor.sweep();
      assert.deepEqual(report, { links: 0, inboxes: 0, tmp: 0, locks: 0, run: 0, nodes: 0, preauth: 0 }, `sweep ${sweep}`);
      clock.now += STALE_MS;
      b.heartbeat.write();
    }
    assert.equal(existsSync(b.layout.link('bob')), true);
    assert.equal(existsSync(b.claim.dir), true);
    assert.equal(b.preauth.count('10.0.0.9'), 1, 'its unauthenticated connection still counts');
    await b.claim.unlock();
  });

  it('removes a node\'s entries only once its heartbeat stood still longer than staleMs', async () => {
    const b = await otherNode('bob', process.pid);
    const { clock, janitor } = janitorWithClock();
    await janitor.sweep();
    clock.now += STALE_MS;
    assert.deepEqual(await janitor.sweep(), { links: 0, inboxes: 0, tmp: 0, locks: 0, run: 0, nodes: 0, preauth: 0 }, 'still within staleMs');
    assert.equal(existsSync(b.claim.dir), true);
    clock.now += 1;
    const report = await janitor.sweep();
    assert.deepEqual(report, { links: 1, inboxes: 0, tmp: 1, locks: 0, run: 1, nodes: 1, preauth: 1 });
    assert.equal(b.preauth.count('10.0.0.9'), 0, 'pre-authentication entry removed');
    assert.equal(existsSync(b.layout.link('bob')), false, 'link removed');
    assert.equal(existsSync(b.claim.dir), false, 'inbox removed');
    assert.equal(existsSync(b.layout.tmpDir(process.pid)), false, 'staging removed');
    assert.equal(existsSync(b.layout.runFile(process.pid)), false, 'run record removed');
    assert.equal(existsSync(b.layout.nodeHeartbeat()), false, 'heartbeat removed');
    await b.claim.unlock();
  });

  it('still judges this node\'s entries by their process, and reaps only this node\'s pid', async () => {
    const b = await otherNode('bob', process.pid);
    const mine = await t().deadSession('carol', deadPid());
    const { janitor } = janitorWithClock();
    // Reaping pid P of this node must not touch node other's process P.
    await janitor.reap(process.pid);
    assert.equal(existsSync(b.claim.dir), true, "the other node's process with the same pid is not reaped");
    const report = await janitor.sweep();
    assert.equal(report.links, 1, "this node's dead holder is released at once");
    assert.equal(existsSync(mine.dir), false);
    assert.equal(existsSync(b.claim.dir), true);
    await b.claim.unlock();
  });

  it('watchNodes says a sweep is due once, when a node goes stale between sweeps', async () => {
    const b = await otherNode('bob', process.pid);
    const { clock, janitor } = janitorWithClock();
    assert.equal(janitor.watchNodes(), false, 'first seen: live');
    clock.now += STALE_MS / 2;
    b.heartbeat.write();
    assert.equal(janitor.watchNodes(), false, 'changed: live');
    clock.now += STALE_MS;
    assert.equal(janitor.watchNodes(), false, 'still within staleMs of the change it saw');
    clock.now += 1;
    assert.equal(janitor.watchNodes(), true, 'stood still longer than staleMs: a sweep is due');
    assert.equal(janitor.watchNodes(), false, 'said once');
    const report = await janitor.sweep();
    assert.equal(report.links, 1, 'the sweep that follows judges it as the watch did');
    assert.equal(report.nodes, 1);
    await b.claim.unlock();
  });
});
