import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type AcceptLoopOptions, acceptLoop, processKey, serveHandedOver } from '../../src/session/accept-loop';
import { Logger } from '../../src/log/logger';
import { PreauthGate } from '../../src/session/preauth';
import { PreauthRegistry } from '../../src/spool/preauth';
import { FakeConnection, type Rig, sessionRig } from './fakes';

/** Lets pending promise callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('accept loop', () => {
  let rig: Rig;
  let connections: FakeConnection[];
  let options: AcceptLoopOptions;
  let accepts: number;
  const fakeSocket = {} as Socket;
  const accept = async () => {
    accepts++;
    return fakeSocket;
  };
  beforeEach(() => {
    rig = sessionRig();
    connections = [];
    accepts = 0;
    options = {
      lifecycle: rig.lifecycle,
      publisher: rig.publisher,
      connect: (_socket, procKey) => {
        const c = new FakeConnection(`client-${connections.length + 1}`, procKey);
        connections.push(c);
        return c;
      },
      pid: 4242,
      now: () => 1_700_000_000_500,
    };
  });
  afterEach(() => rig.remove());

  it('names session keys by start second and pid, numbering from the second connection', () => {
    assert.equal(processKey(4242, 1, 1_700_000_000_500), '/17000000004242');
    assert.equal(processKey(4242, 3, 1_700_000_000_500), '/17000000004242-3');
  });

  it('socket mode serves the handed-over connection as busy, then finishes', async () => {
    const served = serveHandedOver(options, fakeSocket);
    await tick();
    assert.equal(connections.length, 1);
    assert.equal(connections[0].started, true);
    assert.equal(rig.written()?.state, 'busy');
    assert.equal(rig.written()?.client, 'client-1');
    assert.equal(rig.lifecycle.serving, connections[0]);
    connections[0].end();
    await served;
    assert.deepEqual(rig.exits, [0]);
    assert.equal(rig.written()?.state, 'exiting');
    assert.equal(rig.written()?.connections, 1);
  });

  it('accept mode waits idle between connections and recycles after recycleAfter', async () => {
    const loop = acceptLoop(options, accept, 2);
    await tick();
    assert.equal(rig.written()?.state, 'busy');
    connections[0].end();
    await tick();
    assert.equal(connections.length, 2);
    assert.equal(connections[1].procKey, '/17000000004242-2');
    connections[1].end();
    await tick();
    assert.equal(accepts, 2, 'no third connection is taken');
    assert.deepEqual(rig.exits, [0]);
    await loop;
    assert.deepEqual(rig.exits, [0]);
    assert.equal(rig.written()?.connections, 2);
  });

  it('accept mode stops taking connections once retiring, after the current client', async () => {
    const loop = acceptLoop(options, accept, 100);
    await tick();
    rig.lifecycle.retire();
    assert.deepEqual(rig.exits, [], 'busy: the client is served to its end');
    connections[0].end();
    await loop;
    assert.equal(accepts, 1);
    assert.deepEqual(rig.exits, [0]);
  });

  it('accept mode shuts the connection down on stop and exits once', async () => {
    const loop = acceptLoop(options, accept, 100);
    await tick();
    rig.lifecycle.stop();
    await loop;
    assert.deepEqual(connections[0].shutdowns, ['server shutting down']);
    assert.deepEqual(rig.exits, [0]);
    assert.equal(rig.lifecycle.serving, null);
  });

  it('with pre-authentication limits: handshaking until authenticated, then busy; over the cap: closed, not counted', async () => {
    const registry = new PreauthRegistry(rig.spool.layout.root);
    const limits = { preauthPerAddress: 1, keyExchangeTimeoutMs: 60_000 };
    options.preauth = new PreauthGate(registry, limits, 4242, rig.stats, new Logger('error', 'text', 'test'));
    const socket = { remoteAddress: '10.0.0.9', destroy: () => {} } as unknown as Socket;
    const served = serveHandedOver(options, socket);
    await tick();
    assert.equal(rig.written()?.state, 'handshaking');
    assert.equal(registry.count('10.0.0.9'), 1);
    registry.enter('10.0.0.9', 1, 5);
    assert.equal(registry.enter('10.0.0.9', 2, 1), false, 'the address is at its cap');
    connections[0].onAuthenticated();
    assert.equal(rig.written()?.state, 'busy');
    assert.equal(registry.count('10.0.0.9'), 1, 'its place is given back');
    const other = new PreauthGate(registry, limits, 4343, rig.stats, new Logger('error', 'text', 'test'));
    assert.equal(other.admit(socket), null);
    assert.equal(rig.stats.preauthRefused, 1);
    connections[0].end('done');
    await served;
  });
});
