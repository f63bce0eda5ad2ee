import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { OUTPUT_BACKLOG, ReadThrottle } from '../../src/session/read-throttle';

/** Just enough of a socket for the throttle: its backlog and its paused state. */
function fakeSocket(writableLength = 0) {
  const state = { writableLength, paused: false };
  const socket = {
    get writableLength() {
      return state.writableLength;
    },
    pause: () => {
      state.paused = true;
    },
    resume: () => {
      state.paused = false;
    },
    isPaused: () => state.paused,
  };
  return { state, socket: socket as unknown as Socket };
}

describe('read throttle', () => {
  it('pauses reading while our output backs up, and reads again once it drains', () => {
    const { state, socket } = fakeSocket(OUTPUT_BACKLOG + 1);
    const throttle = new ReadThrottle(socket, 0, () => assert.fail('no rate limit'), () => false);
    throttle.received(100);
    assert.ok(state.paused);
    state.writableLength = 0;
    throttle.drained();
    assert.ok(!state.paused);
  });

  it('pauses for the rate limit, counts it, and does not lift it on a drain', () => {
    const { state, socket } = fakeSocket();
    let limited = 0;
    // 100 kB/s: the bucket (two largest frames) is exhausted by a 2 MB burst, ~10 s to earn back.
    const throttle = new ReadThrottle(socket, 100_000, () => limited++, () => false);
    throttle.received(2 * 1024 * 1024);
    assert.ok(state.paused);
    assert.equal(limited, 1);
    throttle.drained();
    assert.ok(state.paused, 'a drain does not lift the rate limit');
    const quick = new ReadThrottle(fakeSocket().socket, 1_000_000_000, () => limited++, () => false);
    quick.received(1);
    assert.equal(limited, 1, 'within the limit nothing pauses');
  });

  it('resumes by itself when the pause is over, unless the connection is ending by then', async () => {
    // 1.1 MB/s with a 1.1 MB bucket: 11 kB over the bucket costs a 10 ms pause.
    const live = fakeSocket();
    const ending = fakeSocket();
    let isEnding = false;
    new ReadThrottle(live.socket, 1_100_000, () => {}, () => false).received(1_111_000);
    new ReadThrottle(ending.socket, 1_100_000, () => {}, () => isEnding).received(1_111_000);
    assert.ok(live.state.paused && ending.state.paused);
    isEnding = true;
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(!live.state.paused, 'resumed after the pause');
    assert.ok(ending.state.paused, 'an ending connection is not resumed');
  });

  it('stays paused while held, through drains and the end of a rate-limit pause, until every hold is released', async () => {
    const { state, socket } = fakeSocket();
    // 11 kB over a 1.1 MB bucket: a 10 ms rate-limit pause that ends on its own.
    const throttle = new ReadThrottle(socket, 1_100_000, () => {}, () => false);
    throttle.hold();
    throttle.received(1_111_000);
    // A claim's answer may start a leave before the claim lets go: two holds.
    throttle.hold();
    throttle.drained();
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(state.paused, 'neither a drain nor the rate limit resumes a held socket');
    throttle.release();
    assert.ok(state.paused, 'one hold is still in force');
    throttle.release();
    assert.ok(!state.paused, 'read again once the last hold is released');
  });
});
