import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { describe, it } from 'node:test';
import { nativeSockets } from '../../src/native';
import { acceptOne } from '../../src/session/accept';

const native = nativeSockets();

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('accepting one connection from shared listening sockets', { skip: native === null ? 'native helpers not built' : false }, () => {
  it('accepts exactly one connection per round, unread, and leaves the next one waiting', async () => {
    const fd = native!.listenTcp('127.0.0.1', 0, 16, 0);
    assert.ok(fd >= 0, `listen: ${fd}`);
    const port = native!.localPort(fd);
    try {
      const first = await dial(port);
      const second = await dial(port);
      first.write('hello');
      const accepted = await acceptOne(native!, [fd]);
      assert.equal(accepted.remotePort, first.localPort, 'the first connection is taken first');
      assert.ok(accepted.isPaused(), 'nothing is read before the session starts');
      // The second connection waits in the shared backlog for the next round.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(native!.pending(fd), 1);
      const next = await acceptOne(native!, [fd]);
      assert.equal(next.remotePort, second.localPort);
      const got = new Promise<string>((r) => accepted.once('data', (d: Buffer) => r(d.toString())));
      accepted.resume();
      assert.equal(await got, 'hello', 'the bytes sent before the accept are all there');
      for (const s of [first, second, accepted, next]) s.destroy();
    } finally {
      native!.closeFd(fd);
    }
  });

  it('rejects when a descriptor cannot be copied', async () => {
    await assert.rejects(acceptOne(native!, [987_654]), /dup of listening descriptor 987654 failed/);
  });
});
