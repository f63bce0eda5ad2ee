import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_STARTING, type PreforkLimits, PreforkPolicy, RETIRE_AFTER_MS, SPARE_DEFICIT_MS } from '../../src/listener/prefork';
import { FakeClock, fakePool, quietLogger, writeRecord, spoolPerTest } from './fakes';

describe('PreforkPolicy', () => {
  const spoolNow = spoolPerTest();

  function rig(limits: PreforkLimits) {
    const spool = spoolNow();
    const clock = new FakeClock();
    const lines: string[] = [];
    const log = quietLogger(lines);
    const { pool, children } = fakePool(spool, clock, log);
    let backlog = false;
    const policy = new PreforkPolicy({ pool, limits: () => limits, listenFds: [7, 8], backlogWaiting: () => backlog, log, now: clock.now });
    const report = (pid: number, state: 'idle' | 'busy' | 'handshaking') => {
      writeRecord(spool, pid, state);
      pool.refreshAll();
    };
    return { pool, children, policy, clock, lines, report, setBacklog: (b: boolean) => (backlog = b) };
  }

  it(`tops up to the spares, at most ${MAX_STARTING} starting at once, with the listening descriptors`, () => {
    const { pool, children, policy, report, clock } = rig({ spareSessions: 4, maxSessions: 10 });
    policy.topUp();
    assert.equal(MAX_STARTING, 2);
    assert.equal(pool.size, 2);
    assert.deepEqual(children[0].fds, [7, 8]);
    assert.equal(children[0].mode, 'accept');
    for (const pid of pool.pids()) report(pid, 'idle');
    policy.topUp();
    assert.equal(pool.size, 4);
    for (const pid of pool.pids()) report(pid, 'idle');
    policy.topUp();
    assert.equal(pool.size, 4, 'enough waiting');
    report(pool.pids()[0], 'busy');
    policy.topUp();
    assert.equal(pool.size, 4, 'three still wait: not replaced at once');
    clock.advance(SPARE_DEFICIT_MS);
    policy.topUp();
    assert.equal(pool.size, 5, 'a busy one is replaced once the shortfall has lasted');
  });

  it('does not grow on shortfalls shorter than SPARE_DEFICIT_MS, and at once when none waits', () => {
    const { pool, policy, report, clock } = rig({ spareSessions: 2, maxSessions: 10 });
    policy.topUp();
    for (const pid of pool.pids()) report(pid, 'idle');
    const [a, b] = pool.pids();
    // A burst of short connections seen through lagging records: a process busy, then waiting again, many times.
    for (let i = 0; i < 50; i++) {
      report(a, 'handshaking');
      policy.topUp();
      clock.advance(SPARE_DEFICIT_MS / 2);
      report(a, 'idle');
      policy.topUp();
      clock.advance(SPARE_DEFICIT_MS / 2);
    }
    assert.equal(pool.size, 2, 'every shortfall ended before it had lasted');
    report(a, 'busy');
    report(b, 'busy');
    policy.topUp();
    assert.equal(pool.size, 4, 'none waiting: replaced at once');
  });

  it('stays within maxSessions and warns once per interval at the limit', () => {
    const { pool, policy, report, lines, clock } = rig({ spareSessions: 2, maxSessions: 2 });
    policy.topUp();
    for (const pid of pool.pids()) report(pid, 'busy');
    policy.topUp();
    policy.topUp();
    assert.equal(pool.size, 2);
    const warnings = () => lines.filter((l) => l.includes('session limit reached')).length;
    assert.equal(warnings(), 1);
    clock.advance(10_001);
    policy.topUp();
    assert.equal(warnings(), 2);
  });

  it('shrinks after a burst: surplus waiting processes retire after RETIRE_AFTER_MS', () => {
    const { pool, children, policy, report, clock } = rig({ spareSessions: 1, maxSessions: 10 });
    for (let i = 0; i < 3; i++) pool.start('accept', [7, 8], null);
    for (const pid of pool.pids()) report(pid, 'idle');
    policy.shrink();
    assert.equal(children.filter((c) => c.signals.includes('SIGUSR2')).length, 0);
    clock.advance(RETIRE_AFTER_MS);
    policy.shrink();
    assert.equal(children.filter((c) => c.signals.includes('SIGUSR2')).length, 2);
  });

  it('starts one more process when connections wait in the backlog on two checks in a row', () => {
    const { pool, policy, report, setBacklog, clock } = rig({ spareSessions: 1, maxSessions: 3 });
    policy.topUp();
    report(pool.pids()[0], 'idle');
    clock.advance(5000);
    setBacklog(true);
    policy.checkBacklog();
    assert.equal(pool.size, 1, 'one check is not enough');
    policy.checkBacklog();
    assert.equal(pool.size, 2);
    policy.checkBacklog();
    policy.checkBacklog();
    assert.equal(pool.size, 2, 'not while the new one may still be starting');
    setBacklog(false);
    policy.checkBacklog();
    setBacklog(true);
    clock.advance(5000);
    policy.checkBacklog();
    assert.equal(pool.size, 2, 'the count starts again after a check without a backlog');
  });

  it('grows for unauthenticated connections only up to preauthPerAddress + spareSessions of them', () => {
    const { pool, policy, report, clock } = rig({ spareSessions: 2, maxSessions: 100, preauthPerAddress: 3 });
    for (let round = 0; round < 20; round++) {
      policy.topUp();
      for (const pid of pool.pids()) report(pid, 'handshaking');
      clock.advance(SPARE_DEFICIT_MS);
    }
    assert.equal(pool.count('handshaking'), 7, 'allowed 5, then as many as the spares, all taken');
    policy.topUp();
    assert.equal(pool.size, 7, 'no more processes while they all handshake');
    report(pool.pids()[0], 'busy');
    policy.topUp();
    clock.advance(SPARE_DEFICIT_MS);
    policy.topUp();
    assert.ok(pool.size > 7, 'a completed handshake lets the pool grow');
  });
});
