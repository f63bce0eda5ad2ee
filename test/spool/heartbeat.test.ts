/** Judging another node's heartbeat (src/spool/heartbeat.ts) with a clock and reads the test controls. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeartbeatJudge } from '../../src/spool/heartbeat';

const STALE = 10_000;

function rig() {
  const state = { now: 0, values: new Map<string, string | null>() };
  const judge = new HeartbeatJudge(
    STALE,
    () => state.now,
    (file) => state.values.get(file) ?? null,
  );
  return { state, judge };
}

describe('heartbeat judge', () => {
  it('counts a heartbeat seen for the first time as live, whatever it holds', () => {
    const { state, judge } = rig();
    state.values.set('b', '{"at":0}');
    assert.equal(judge.judge('b'), 'live');
    assert.equal(judge.judge('missing'), 'live', 'not even there: not judged before watching it');
  });

  it('keeps a node live while its heartbeat changes, however slowly its times move', () => {
    const { state, judge } = rig();
    for (let beat = 0; beat < 20; beat++) {
      state.values.set('b', `beat ${beat}`);
      assert.equal(judge.judge('b'), 'live', `beat ${beat}`);
      state.now += STALE; // one beat per staleMs: never stands still longer
    }
  });

  it('judges it stale only after it stood still longer than staleMs on the observer clock', () => {
    const { state, judge } = rig();
    state.values.set('b', 'beat 1');
    judge.judge('b');
    state.now += STALE;
    assert.equal(judge.judge('b'), 'live', 'exactly staleMs: not yet');
    state.now += 1;
    assert.equal(judge.judge('b'), 'stale');
    state.values.set('b', 'beat 2');
    assert.equal(judge.judge('b'), 'live', 'a new beat brings it back');
  });

  it('counts a heartbeat that vanished as a change, then stale once it stays away', () => {
    const { state, judge } = rig();
    state.values.set('b', 'beat 1');
    judge.judge('b');
    state.values.delete('b');
    state.now += 1;
    assert.equal(judge.judge('b'), 'live');
    state.now += STALE + 1;
    assert.equal(judge.judge('b'), 'stale');
  });

  it('forgets what it is told to, which starts that heartbeat afresh', () => {
    const { state, judge } = rig();
    judge.judge('a');
    judge.judge('b');
    state.now += STALE + 1;
    judge.retain(new Set(['a']));
    assert.equal(judge.size, 1);
    assert.equal(judge.judge('a'), 'stale');
    assert.equal(judge.judge('b'), 'live');
  });
});
