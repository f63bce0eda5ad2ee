import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { listenerPid, refreshTick, watchListener } from '../../src/session/run-refresh';
import { FakeConnection, type Rig, sessionRig } from './fakes';

describe('run record refresh tick', () => {
  let rig: Rig;
  beforeEach(() => {
    rig = sessionRig();
  });
  afterEach(() => rig.remove());

  it('rewrites the record with the counters as they are while the listener lives', () => {
    rig.publisher.publish('idle', null);
    rig.stats.bytesIn = 99;
    refreshTick({ publisher: rig.publisher, lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 10 });
    assert.equal(rig.written()?.stats.bytesIn, 99);
    assert.deepEqual(rig.exits, []);
  });

  it('exits an idle process whose listener is gone (reparented)', () => {
    refreshTick({ publisher: rig.publisher, lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 1 });
    assert.deepEqual(rig.exits, [0]);
    assert.equal(rig.written()?.state, 'exiting');
  });

  it('keeps a busy process serving when its listener is gone, but retiring', () => {
    rig.lifecycle.serving = new FakeConnection('c', '/k');
    rig.publisher.publish('busy', 'c');
    refreshTick({ publisher: rig.publisher, lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 1 });
    assert.deepEqual(rig.exits, []);
    assert.equal(rig.lifecycle.accepting, false);
    assert.equal(rig.written()?.state, 'busy');
  });

  it('takes the listener pid from TFGW_LISTENER_PID, else the parent', () => {
    assert.equal(listenerPid({ TFGW_LISTENER_PID: '321' }, 5), 321);
    assert.equal(listenerPid({}, 5), 5);
  });

  it('watchListener notices a listener gone at once, before any tick, and gives the port back', () => {
    rig.lifecycle.serving = new FakeConnection('c', '/k');
    const timer = watchListener({ lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 1 }, 60_000);
    clearInterval(timer);
    assert.equal(rig.released.count, 1);
    assert.equal(rig.lifecycle.accepting, false);
  });

  it('watchListener leaves a process whose listener lives alone', () => {
    const timer = watchListener({ lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 10 }, 60_000);
    clearInterval(timer);
    assert.equal(rig.released.count, 0);
    assert.equal(rig.lifecycle.accepting, true);
  });
});
