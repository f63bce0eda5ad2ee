import assert from 'node:assert/strict';
import { type Socket, connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { quickAckArmer } from '../../src/bench/quick-ack';
import { descriptorOf, nativeSockets } from '../../src/native';

const native = nativeSockets();

describe('quick-ack armer', () => {
  it('is unavailable exactly when the native helper is', () => {
    assert.equal(quickAckArmer() === null, native === null);
  });

  it('re-arms TCP_QUICKACK before the client sees each read', { skip: native === null ? 'native helper not built' : false }, async () => {
    let accept: (s: Socket) => void = () => undefined;
    const accepted = new Promise<Socket>((r) => {
      accept = r;
    });
    const server = createServer((s) => accept(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const socket = connect({ port, host: '127.0.0.1' });
    quickAckArmer()!(socket);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const peer = await accepted;
    const fd = descriptorOf(socket)!;
    assert.equal(native!.getQuickAck(fd), 1, 'armed once connected');
    const seen: number[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        // Off again, as the kernel turns it off by itself; the next read must turn it back on.
        native!.setQuickAck(fd, 0);
        const read = new Promise<void>((r) => socket.once('data', () => r(void seen.push(native!.getQuickAck(fd)))));
        peer.write(Buffer.from('x'));
        await read;
      }
      assert.deepEqual(seen, [1, 1, 1]);
    } finally {
      socket.destroy();
      peer.destroy();
      server.close();
    }
  });
});
