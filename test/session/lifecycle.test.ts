import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EXIT_CRASHED } from '../../src/session/lifecycle';
import { FakeConnection, FakeProcess, type Rig, sessionRig } from './fakes';

describe('Lifecycle', () => {
  let rig: Rig;
  beforeEach(() => {
    rig = sessionRig();
  });
  afterEach(() => rig.remove());

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGUSR2'] as const) {
    it(`${signal} while waiting publishes 'exiting' and exits 0, once`, () => {
      const source = new FakeProcess();
      rig.lifecycle.listen(source);
      source.emit(signal);
      source.emit(signal);
      assert.deepEqual(rig.exits, [0]);
      assert.equal(rig.written()?.state, 'exiting');
      assert.equal(rig.lifecycle.finished, true);
    });
  }

  it('SIGPWR (the kernel telling that the listener died) retires: a busy process finishes its client', () => {
    const source = new FakeProcess();
    rig.lifecycle.listen(source);
    const connection = new FakeConnection('c', '/k');
    rig.lifecycle.serving = connection;
    source.emit('SIGPWR');
    assert.equal(rig.lifecycle.accepting, false);
    assert.deepEqual(connection.shutdowns, []);
    assert.deepEqual(rig.exits, []);
    assert.equal(rig.released.count, 1, 'listening sockets given back at once');
  });

  it('stop while serving shuts the connection down and leaves the exit to the loop', () => {
    const connection = new FakeConnection('c', '/k');
    rig.lifecycle.serving = connection;
    rig.lifecycle.stop();
    assert.deepEqual(connection.shutdowns, ['server shutting down']);
    assert.deepEqual(rig.exits, []);
    assert.equal(rig.lifecycle.accepting, false);
  });

  it('retire while serving lets the client finish and takes no more connections', () => {
    const connection = new FakeConnection('c', '/k');
    rig.lifecycle.serving = connection;
    rig.lifecycle.retire();
    assert.deepEqual(connection.shutdowns, []);
    assert.deepEqual(rig.exits, []);
    assert.equal(rig.lifecycle.accepting, false);
    rig.lifecycle.finish(0);
    assert.deepEqual(rig.exits, [0]);
  });

  it('listener gone: warns once, retires, exits when idle', () => {
    rig.lifecycle.serving = new FakeConnection('c', '/k');
    rig.lifecycle.listenerGone();
    rig.lifecycle.listenerGone();
    assert.equal(rig.logLines.filter((l) => l.includes('listener gone')).length, 1);
    assert.deepEqual(rig.exits, []);
    rig.lifecycle.serving = null;
    rig.lifecycle.retire();
    assert.deepEqual(rig.exits, [0]);
  });

  it('an uncaught exception exits 70 without writing the exiting record', () => {
    const source = new FakeProcess();
    rig.lifecycle.listen(source);
    rig.publisher.publish('busy', 'c');
    source.emit('uncaughtException', new Error('boom'));
    assert.deepEqual(rig.exits, [EXIT_CRASHED]);
    assert.equal(EXIT_CRASHED, 70);
    assert.equal(rig.written()?.state, 'busy');
    assert.match(rig.logLines.join(''), /session crashed.*boom/);
  });

  it('finish after finish does nothing', () => {
    rig.lifecycle.finish(0);
    rmSync(rig.spool.layout.runFile(4242));
    rig.lifecycle.finish(1);
    rig.lifecycle.crash(new Error('late'));
    assert.deepEqual(rig.exits, [0]);
    assert.equal(rig.written(), null, "'exiting' is not published again");
  });

  it('gives the listening sockets back once it stops accepting, while the connection is still served', () => {
    const connection = new FakeConnection('c', '/k');
    rig.lifecycle.serving = connection;
    assert.equal(rig.released.count, 0);
    rig.lifecycle.listenerGone();
    assert.equal(rig.released.count, 1);
    assert.deepEqual(rig.exits, []);
    rig.lifecycle.stop();
    rig.lifecycle.retire();
    assert.equal(rig.released.count, 1);
  });

  it('gives the listening sockets back on stop', () => {
    rig.lifecycle.serving = new FakeConnection('c', '/k');
    rig.lifecycle.stop();
    assert.equal(rig.released.count, 1);
  });
});
