import assert from 'node:assert/strict';
import { type Socket, connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { descriptorOf, nativeSockets } from '../../src/native';
import { applyKeepalive } from '../../src/session/keepalive';

describe('keepalive', { skip: nativeSockets() === null ? 'native helpers not built' : false }, () => {
  it('applies idle, interval, count and the user timeout through the native helpers', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket: Socket = await new Promise((r) => {
      const s = connect((server.address() as { port: number }).port, '127.0.0.1', () => r(s));
    });
    try {
      assert.equal(applyKeepalive(socket, { enable: true, idle: 60, interval: 10, count: 5 }), true);
      assert.deepEqual(nativeSockets()!.getKeepalive(descriptorOf(socket)!), [1, 60, 10, 5, 110_000]);
      assert.equal(applyKeepalive(socket, { enable: false, idle: 0, interval: 0, count: 0 }), true);
      assert.equal(nativeSockets()!.getKeepalive(descriptorOf(socket)!)[0], 0);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
