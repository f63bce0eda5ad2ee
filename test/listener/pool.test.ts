import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessCounters } from '../../src/spool/process-counters';
import { FakeClock, fakePool, quietLogger, writeRecord, spoolPerTest } from './fakes';

describe('SessionPool', () => {
  const spoolNow = spoolPerTest();

  it('starts accept-mode processes as starting and socket-mode ones as busy, handing over the descriptors', () => {
    const spool = spoolNow();
    const { pool, children } = fakePool(spool, new FakeClock());
    assert.equal(pool.start('accept', [3, 4], null), 1001);
    assert.equal(pool.start('socket', [{ fd: 9 }], '10.0.0.1:5000'), 1002);
    assert.deepEqual([children[0].mode, children[0].fds], ['accept', [3, 4]]);
    assert.equal(pool.count('starting'), 1);
    assert.equal(pool.count('busy'), 1);
    assert.equal(pool.started, 2);
    assert.deepEqual(pool.pids(), [1001, 1002]);
  });

  it('follows the states in the run records', () => {
    const spool = spoolNow();
    const { pool } = fakePool(spool, new FakeClock());
    let changes = 0;
    pool.onChange = () => changes++;
    const pid = pool.start('accept', [3], null)!;
    writeRecord(spool, pid, 'idle');
    pool.refreshAll();
    assert.equal(pool.count('idle'), 1);
    assert.equal(pool.count('starting'), 0);
    writeRecord(spool, pid, 'busy', new ProcessCounters(), '10.0.0.2:6000');
    pool.refreshAll();
    assert.equal(pool.count('busy'), 1);
    assert.equal(changes, 2);
    pool.refreshAll();
    assert.equal(changes, 2, 'an unchanged record is no change');
  });

  it('does not count a process that got no pid, and logs why it failed', () => {
    const spool = spoolNow();
    const lines: string[] = [];
    const { pool, children } = fakePool(spool, new FakeClock(), quietLogger(lines), true);
    assert.equal(pool.start('accept', [3], null), null);
    assert.equal(pool.size, 0);
    assert.equal(pool.started, 0);
    children[0].emit('error', new Error('EAGAIN'));
    assert.match(lines.join(''), /session process failed to start.*EAGAIN/);
  });

  it('retires only waiting processes beyond `keep`, longest-waiting first, once they waited minIdleMs', () => {
    const spool = spoolNow();
    const clock = new FakeClock();
    const { pool, children } = fakePool(spool, clock);
    for (let i = 0; i < 3; i++) {
      const pid = pool.start('accept', [3], null)!;
      writeRecord(spool, pid, 'idle');
      pool.refreshAll();
      clock.advance(1000);
    }
    assert.equal(pool.retireSurplus(1, 10_000), 0, 'none has waited long enough yet');
    assert.deepEqual(children.map((c) => c.signals.length), [0, 0, 0]);
    clock.advance(7000);
    // The first has waited 10 s, the second 9 s: only the first goes.
    assert.equal(pool.retireSurplus(1, 10_000), 1);
    assert.deepEqual(children.map((c) => c.signals), [['SIGUSR2'], [], []]);
    clock.advance(5000);
    // The one already retiring is not asked again; the newest is kept.
    assert.equal(pool.retireSurplus(1, 10_000), 1);
    assert.deepEqual(children.map((c) => c.signals), [['SIGUSR2'], ['SIGUSR2'], []]);
  });

  it('reaps an ended process: adds its last counters, counts crashes, clears its inbox', async () => {
    const spool = spoolNow();
    const { pool, children } = fakePool(spool, new FakeClock());
    const reaped: number[] = [];
    const realReap = spool.janitor.reap;
    spool.janitor.reap = async (pid: number) => {
      reaped.push(pid);
      return { inboxes: 1, undelivered: 3 };
    };
    try {
      const a = pool.start('accept', [3], null)!;
      const b = pool.start('accept', [3], null)!;
      const stats = new ProcessCounters();
      stats.sent = 5;
      stats.bytesIn = 100;
      writeRecord(spool, a, 'busy', stats);
      children[0].end(0);
      children[1].end(1);
      await pool.settled();
      assert.equal(pool.size, 0);
      assert.deepEqual(reaped, [a, b]);
      assert.equal(pool.crashed, 1, 'exit code 1 is a crash, 0 is not');
      assert.equal(pool.retired.sent, 5);
      assert.equal(pool.retired.bytesIn, 100);
      assert.equal(pool.retired.dropped['peer-left'], 6, 'undelivered messages of both inboxes');
    } finally {
      spool.janitor.reap = realReap;
    }
  });

  it('counts a SIGTERM ending as clean only while the pool is stopping', async () => {
    const spool = spoolNow();
    const { pool, children } = fakePool(spool, new FakeClock());
    pool.start('accept', [3], null);
    pool.start('accept', [3], null);
    children[0].end(null, 'SIGTERM');
    pool.stopping = true;
    children[1].end(null, 'SIGTERM');
    await pool.settled();
    assert.equal(pool.crashed, 1);
  });

  it('counts processes started within a window that have not reported yet', () => {
    const spool = spoolNow();
    const clock = new FakeClock();
    const { pool } = fakePool(spool, clock);
    pool.start('accept', [3], null);
    clock.advance(3000);
    const recent = pool.start('accept', [3], null)!;
    assert.equal(pool.startingWithin(2000), 1);
    assert.equal(pool.startingWithin(5000), 2);
    writeRecord(spool, recent, 'idle');
    pool.refreshAll();
    assert.equal(pool.startingWithin(2000), 0, 'a process that reported is no longer starting');
  });

  it('asks every waiting process to retire, and signals all', () => {
    const spool = spoolNow();
    const { pool, children } = fakePool(spool, new FakeClock());
    const idle = pool.start('accept', [3], null)!;
    pool.start('socket', [{}], 'c');
    writeRecord(spool, idle, 'idle');
    pool.refreshAll();
    pool.retireIdle();
    assert.deepEqual(children.map((c) => c.signals), [['SIGUSR2'], []]);
    pool.signalAll('SIGKILL');
    assert.deepEqual(children.map((c) => c.signals.at(-1)), ['SIGKILL', 'SIGKILL']);
  });
});
