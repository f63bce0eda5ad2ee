import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { TfConnectionError } from '../../src/client/errors';
import { Wire, type WireSocket } from '../../src/client/wire';

/** A socket that records what the wire does to it; `accepting` is what `write` answers. */
class FakeSocket extends EventEmitter implements WireSocket {
  destroyed = false;
  accepting = true;
  corks = 0;
  uncorks = 0;
  ended = false;
  readonly written: Buffer[] = [];

  cork(): void {
    this.corks++;
  }

  uncork(): void {
    this.uncorks++;
  }

  write(bytes: Buffer): boolean {
    this.written.push(bytes);
    return this.accepting;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
  }
}

function wired(): { socket: FakeSocket; wire: Wire; closes: [Error, boolean][]; data: Buffer[] } {
  const socket = new FakeSocket();
  const wire = new Wire(socket);
  const closes: [Error, boolean][] = [];
  const data: Buffer[] = [];
  wire.attach({ data: (chunk) => data.push(chunk), closed: (error, expected) => closes.push([error, expected]) });
  return { socket, wire, closes, data };
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('client wire', () => {
  it('corks the writes of one turn once and uncorks them on the next tick', async () => {
    const { socket, wire } = wired();
    assert.equal(wire.send(Buffer.from('a')), true);
    wire.send(Buffer.from('b'));
    void wire.write(Buffer.from('c'));
    assert.deepEqual([socket.corks, socket.uncorks], [1, 0]);
    await tick();
    assert.deepEqual([socket.corks, socket.uncorks], [1, 1]);
    wire.send(Buffer.from('d'));
    assert.equal(socket.corks, 2, 'a later turn corks again');
    assert.deepEqual(socket.written.map(String), ['a', 'b', 'c', 'd']);
  });

  it('resolves a write at once below the high-water mark, else on drain', async () => {
    const { socket, wire } = wired();
    await wire.write(Buffer.from('fast'));
    socket.accepting = false;
    let resolved = false;
    const slow = wire.write(Buffer.from('slow')).then(() => {
      resolved = true;
    });
    await tick();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(resolved, false, 'a full socket holds the writer back');
    socket.emit('drain');
    await slow;
    assert.equal(resolved, true);
  });

  it('hands data to the sink as it comes', () => {
    const { socket, data } = wired();
    socket.emit('data', Buffer.from('xy'));
    socket.emit('data', Buffer.from('z'));
    assert.deepEqual(data.map(String), ['xy', 'z']);
  });

  it('reports a close by this side as expected, and one by the server as an error', async () => {
    const mine = wired();
    mine.socket.accepting = false;
    const waiting = mine.wire.write(Buffer.from('x'));
    mine.wire.destroy();
    await mine.wire.done;
    await assert.rejects(waiting, /connection closed by the client/);
    assert.equal(mine.closes.length, 1);
    assert.equal(mine.closes[0]![1], true);
    assert.equal(mine.wire.send(Buffer.from('late')), false);
    await assert.rejects(mine.wire.write(Buffer.from('late')), TfConnectionError);

    const theirs = wired();
    theirs.socket.emit('close');
    await theirs.wire.done;
    assert.match(theirs.closes[0]![0].message, /connection closed by the server/);
    assert.equal(theirs.closes[0]![1], false);
  });

  it('keeps the first socket error, or the error it was destroyed with', async () => {
    const failing = wired();
    failing.socket.emit('error', new Error('ECONNRESET'));
    failing.socket.emit('error', new Error('later'));
    failing.socket.emit('close');
    await failing.wire.done;
    assert.equal(failing.wire.closeError?.message, 'ECONNRESET');

    const broken = wired();
    broken.wire.destroy(new TfConnectionError('bad frame'));
    await broken.wire.done;
    assert.deepEqual(
      broken.closes.map(([error, expected]) => [error.message, expected]),
      [['bad frame', false]],
    );
  });

  it('refuses writes once ending, and reports a close that happened before attach', async () => {
    const { socket, wire } = wired();
    wire.end();
    assert.equal(socket.ended, true);
    assert.equal(wire.send(Buffer.from('x')), false);
    await assert.rejects(wire.write(Buffer.from('x')), /closing/);
    socket.emit('close');
    await wire.done;
    const late: boolean[] = [];
    wire.attach({ data: () => undefined, closed: (_error, expected) => late.push(expected) });
    assert.deepEqual(late, [true]);
  });
});
