/**
 * The janitor (src/spool/janitor.ts): reaping what one dead session process left,
 * and sweeping the whole spool, never touching a live session's files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { FOREIGN_STAGING_MS } from '../../src/spool/janitor';
import { writeRunRecord } from '../../src/spool/run-record';
import { ProcessCounters } from '../../src/spool/process-counters';
import { processStartTime } from '../../src/spool/liveness';
import { Ownership } from '../../src/spool/ownership';
import { STALE_MS, type TempSpool, deadPid, spoolPerTest } from './spool-fixture';

function runFile(t: TempSpool, pid: number): string {
  const file = t.layout.runFile(pid);
  writeRunRecord(file, { pid, state: 'idle', since: 0, client: null, connections: 0, stats: new ProcessCounters() });
  return file;
}

function tmpFile(t: TempSpool, pid: number): string {
  const dir = t.layout.tmpDir(pid);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'half-written');
  writeFileSync(file, 'x');
  return file;
}

describe('janitor', () => {
  const t = spoolPerTest('tfgw-janitor-');
  let dead: number;
  beforeEach(() => {
    dead = deadPid();
  });

  it('reap removes a dead pid\'s inbox, link, temporary and run files, and counts what it held undelivered', async () => {
    const live = await t().liveSession('alice');
    const gone = await t().deadSession('bob', dead);
    t().putMessage(gone.dir, 'one');
    t().putMessage(gone.dir, 'two');
    t().putMessage(live.dir, 'for alice');
    const deadTmp = tmpFile(t(), dead);
    const deadRun = runFile(t(), dead);
    const liveTmp = tmpFile(t(), process.pid);
    const liveRun = runFile(t(), process.pid);

    const reaped = await t().spool.janitor.reap(dead);

    assert.deepEqual(reaped, { inboxes: 1, undelivered: 2 });
    assert.equal(existsSync(gone.dir), false, 'dead inbox removed');
    assert.equal(existsSync(t().layout.link('bob')), false, 'dead link removed');
    assert.equal(existsSync(deadTmp), false, 'dead temporary files removed');
    assert.equal(existsSync(deadRun), false, 'dead run record removed');
    assert.equal(existsSync(live.dir), true, 'live inbox kept');
    assert.equal(readdirSync(live.dir).filter((n) => !n.startsWith('.') && n !== 'owner.json').length, 1);
    assert.equal(existsSync(t().layout.link('alice')), true, 'live link kept');
    assert.equal(existsSync(liveTmp), true, 'live temporary files kept');
    assert.equal(existsSync(liveRun), true, 'live run record kept');
  });

  it('reap with a start time spares a later process that got the same pid: its claim, temporary and run files stay', async () => {
    // The earlier holder of this pid started at another time than the process that has it now (this one).
    const earlier = new Ownership(t().layout, { staleMs: STALE_MS, pid: process.pid, started: 'earlier' });
    const left = await earlier.prepare(Buffer.from('bob'), '127.0.0.1:2', () => undefined);
    await earlier.publish(left, 'takeover');
    await left.unlock();
    t().putMessage(left.dir, 'stranded');
    const current = await t().liveSession('alice');
    const currentTmp = tmpFile(t(), process.pid);
    const currentRun = runFile(t(), process.pid);
    assert.notEqual(processStartTime(process.pid), null, 'this test needs /proc');

    const reaped = await t().spool.janitor.reap(process.pid, 'earlier');

    assert.deepEqual(reaped, { inboxes: 1, undelivered: 1 });
    assert.equal(existsSync(left.dir), false, "the earlier process's inbox removed");
    assert.equal(existsSync(t().layout.link('bob')), false, "the earlier process's link removed");
    assert.equal(existsSync(current.dir), true, "the present holder's inbox kept");
    assert.equal(existsSync(t().layout.link('alice')), true, "the present holder's link kept");
    assert.equal(existsSync(currentTmp), true, "the present holder's temporary files kept");
    assert.equal(existsSync(currentRun), true, "the present holder's run record kept");
  });

  it('sweep removes dangling links, dead inboxes, stale locks, dead tmp and run entries, and leaves a live session\'s files', async () => {
    const live = await t().liveSession('alice');
    t().putMessage(live.dir, 'for alice');
    const linkedDead = await t().deadSession('bob', dead);
    const unlinkedDead = await t().deadSession('carol', dead);
    // Carol's link is gone (as after a crash mid-release): her inbox is unlinked and dead.
    rmSync(t().layout.link('carol'));
    symlinkSync('../nowhere', t().layout.link('dangling'));
    const staleLock = t().layout.identityLock('old');
    mkdirSync(staleLock);
    const oldTime = new Date(Date.now() - 60_000);
    utimesSync(staleLock, oldTime, oldTime);
    const freshLock = t().layout.identityLock('new');
    mkdirSync(freshLock);
    const deadTmp = tmpFile(t(), dead);
    const deadRun = runFile(t(), dead);
    const deadRunAside = path.join(t().root, '.run', `.${path.basename(t().layout.runFile(dead))}.tmp`);
    writeFileSync(deadRunAside, '{');
    const liveTmp = tmpFile(t(), process.pid);
    const liveRun = runFile(t(), process.pid);

    const report = await t().spool.janitor.sweep();

    assert.equal(existsSync(t().layout.link('dangling')), false, 'dangling link removed');
    assert.equal(existsSync(t().layout.link('bob')), false, 'link to a dead inbox removed');
    assert.equal(existsSync(linkedDead.dir), false, 'dead linked inbox removed');
    assert.equal(existsSync(unlinkedDead.dir), false, 'dead unlinked inbox removed');
    assert.equal(existsSync(staleLock), false, 'stale identity lock removed');
    assert.equal(existsSync(freshLock), true, 'fresh identity lock kept');
    assert.equal(existsSync(deadTmp), false, 'dead temporary directory removed');
    assert.equal(existsSync(deadRun), false, 'dead run record removed');
    assert.equal(existsSync(deadRunAside), false, "dead run record's rewrite removed");
    assert.equal(existsSync(live.dir), true, 'live inbox kept');
    assert.equal(existsSync(t().layout.link('alice')), true, 'live link kept');
    assert.equal(existsSync(liveTmp), true, 'live temporary files kept');
    assert.equal(existsSync(liveRun), true, 'live run record kept');
    assert.deepEqual(report, { links: 2, inboxes: 1, tmp: 1, locks: 1, run: 2, nodes: 0, preauth: 0 });
  });

  it("sweep keeps another writer's staging directory until it is an hour old (SPOOL.md §7.1)", async () => {
    const stage = (name: string, ageMs: number): string => {
      const dir = path.join(t().root, '.tmp', name);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'staged'), 'x');
      const time = new Date(Date.now() - ageMs);
      utimesSync(dir, time, time);
      return dir;
    };
    const fresh = stage('ext-backup-4711', 0);
    const almost = stage('ext-shell', FOREIGN_STAGING_MS - 60_000);
    const old = stage('ext-old-1', FOREIGN_STAGING_MS + 60_000);
    // `<node>.<pid>` is tfgw's own: it goes with its process, whatever its age.
    const deadPidDir = stage(`${t().layout.node}.${dead}`, 0);

    const report = await t().spool.janitor.sweep();

    assert.equal(existsSync(fresh), true, 'a fresh staging directory of another writer is kept');
    assert.equal(existsSync(almost), true, 'one just under an hour old is kept');
    assert.equal(existsSync(old), false, 'one over an hour old is removed');
    assert.equal(existsSync(deadPidDir), false, "a dead pid's directory is removed at once");
    assert.equal(report.tmp, 2);
  });

  it('sweep leaves an unpublished inbox of a live process that is still young', async () => {
    const claim = await t().spool.ownership.prepare(Buffer.from('dave'), '127.0.0.1:3', () => undefined);
    try {
      const report = await t().spool.janitor.sweep();
      assert.equal(existsSync(claim.dir), true);
      assert.equal(report.inboxes, 0);
    } finally {
      await claim.unlock();
    }
  });
});
