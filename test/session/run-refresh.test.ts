import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Ticker } from '../../src/clock/ticker';
import { listenerPid, refreshTick, startRunRefresh, watchListener } from '../../src/session/run-refresh';
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
    const cancel = watchListener({ lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 1 }, undefined, 60_000);
    cancel();
    assert.equal(rig.released.count, 1);
    assert.equal(rig.lifecycle.accepting, false);
  });

  it('watchListener leaves a process whose listener lives alone', () => {
    const cancel = watchListener({ lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 10 }, undefined, 60_000);
    cancel();
    assert.equal(rig.released.count, 0);
    assert.equal(rig.lifecycle.accepting, true);
  });

  it('watchListener asks the kernel for SIGPWR and then polls nothing', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const asked: number[] = [];
      let parent = 10;
      const cancel = watchListener(
        { lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => parent },
        (signal) => {
          asked.push(signal);
          return 0;
        },
        200,
      );
      assert.deepEqual(asked, [constants.signals.SIGPWR]);
      parent = 1;
      mock.timers.tick(1000);
      assert.equal(rig.lifecycle.accepting, true, 'no getppid() polling once the kernel will signal');
      cancel();
    } finally {
      mock.timers.reset();
    }
  });

  it('watchListener polls the parent when the kernel cannot be asked', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      let parent = 10;
      const cancel = watchListener({ lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => parent }, () => -22, 200);
      parent = 1;
      mock.timers.tick(200);
      assert.equal(rig.lifecycle.accepting, false);
      cancel();
    } finally {
      mock.timers.reset();
    }
  });

  it('startRunRefresh rewrites the record on each tick of the ticker it is given', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const ticker = new Ticker(1000);
      rig.publisher.publish('idle', null);
      const cancel = startRunRefresh({ publisher: rig.publisher, lifecycle: rig.lifecycle, listenerPid: 10, parentPid: () => 10 }, ticker);
      rig.stats.bytesIn = 7;
      mock.timers.tick(1000);
      assert.equal(rig.written()?.stats.bytesIn, 7);
      cancel();
      assert.equal(ticker.size, 0);
    } finally {
      mock.timers.reset();
    }
  });
});
