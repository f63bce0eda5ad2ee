/** Liveness (src/spool/liveness.ts): a holder is there while its process runs and its lock is fresh. */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { INBOX_LOCK, OWNER_FILE, SpoolLayout } from '../../src/spool/layout';
import { inboxAlive, pidAlive, processAlive, processStartTime } from '../../src/spool/liveness';
import { Ownership } from '../../src/spool/ownership';
import { STALE_MS, deadPid, spoolPerTest } from './spool-fixture';

describe('pid liveness', () => {
  it('knows this process is alive and a free pid is not', () => {
    assert.equal(pidAlive(process.pid), true);
    assert.equal(pidAlive(deadPid()), false);
  });

  it('counts no pid that is not a positive integer (0 and -1 would signal a group)', () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) assert.equal(pidAlive(pid), false, String(pid));
  });
});

describe('process identity', () => {
  it('reads a start time that names this process, and none for a free pid', () => {
    const start = processStartTime(process.pid);
    assert.match(start ?? '', /^\d+$/);
    assert.equal(processStartTime(deadPid()), null);
    assert.equal(processAlive(process.pid, start), true);
    assert.equal(processAlive(process.pid, `${start}1`), false, 'the same pid, started at another time: a reused pid');
    assert.equal(processAlive(process.pid, null), true, 'no start time recorded: the pid alone');
  });
});

describe('inbox liveness', () => {
  const t = spoolPerTest('tfgw-live-');

  it('holds an inbox alive while its owner runs and keeps the lock fresh', async () => {
    const claim = await t().liveSession('alice');
    assert.equal(await inboxAlive(claim.dir, STALE_MS), true);
  });

  it('holds an inbox dead once its owner process is gone, even with a fresh lock', async () => {
    const claim = await t().deadSession('bob', deadPid());
    assert.equal(await inboxAlive(claim.dir, STALE_MS), false);
  });

  it('holds an inbox dead without an owner record or without its lock', async () => {
    const a = await t().liveSession('alice');
    rmSync(path.join(a.dir, OWNER_FILE));
    assert.equal(await inboxAlive(a.dir, STALE_MS), false, 'no owner record');
    const b = await t().liveSession('bob');
    await b.unlock();
    assert.equal(await inboxAlive(b.dir, STALE_MS), false, 'no lock');
  });

  it('holds a live holder alive while its lock is refreshed late (a host short of CPU)', async () => {
    const claim = await t().liveSession('erin');
    await claim.unlock();
    const lock = path.join(claim.dir, INBOX_LOCK);
    mkdirSync(lock);
    const old = new Date(Date.now() - 10 * STALE_MS);
    utimesSync(lock, old, old);
    assert.equal(await inboxAlive(claim.dir, STALE_MS), true, 'its process, by pid and start time, is there');
  });

  it('holds an inbox dead when its lock went stale and its record has no start time (a reused pid)', async () => {
    const claim = await t().liveSession('carol');
    await claim.unlock();
    const file = path.join(claim.dir, OWNER_FILE);
    const { start: _start, ...older } = JSON.parse(readFileSync(file, 'utf8')) as { start?: string };
    writeFileSync(file, JSON.stringify(older));
    // A lock left behind long ago, its owner's pid now someone else's (here: this process).
    const lock = path.join(claim.dir, INBOX_LOCK);
    mkdirSync(lock);
    const old = new Date(Date.now() - 10 * STALE_MS);
    utimesSync(lock, old, old);
    assert.equal(await inboxAlive(claim.dir, STALE_MS), false);
  });

  it('holds an inbox dead whose recorded start time is another process\'s (its pid reused)', async () => {
    const claim = await t().liveSession('dave');
    const file = path.join(claim.dir, OWNER_FILE);
    const record = JSON.parse(readFileSync(file, 'utf8')) as { start: string };
    writeFileSync(file, JSON.stringify({ ...record, start: `${record.start}9` }));
    assert.equal(await inboxAlive(claim.dir, STALE_MS, { node: t().layout.node }), false);
  });

  it("judges another node's holder by that node's heartbeat, never by a pid on this host", async () => {
    const other = new Ownership(new SpoolLayout(t().root, 'other'), { staleMs: STALE_MS, pid: deadPid() });
    const claim = await other.prepare(Buffer.from('erin'), '10.0.0.2:1', () => undefined);
    try {
      const here = t().layout.node;
      assert.equal(await inboxAlive(claim.dir, STALE_MS, { node: here, nodeLive: (n) => n === 'other' }), true, 'its node beats');
      assert.equal(await inboxAlive(claim.dir, STALE_MS, { node: here, nodeLive: () => false }), false, 'its node stood still');
      assert.equal(await inboxAlive(claim.dir, STALE_MS, { node: here }), true, 'no judge: another node counts as live');
    } finally {
      await claim.unlock();
    }
  });
});
