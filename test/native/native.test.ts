import assert from 'node:assert/strict';
import { type Socket, connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { descriptorOf, nativeSockets } from '../../src/native';

const native = nativeSockets();

describe('native socket helpers', { skip: native === null ? 'not built on this machine' : false }, () => {
  it('sets keepalive idle, interval, count and the user timeout on a TCP socket', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const socket: Socket = await new Promise((r) => {
      const s = connect(port, '127.0.0.1', () => r(s));
    });
    const fd = descriptorOf(socket);
    assert.ok(fd !== null && fd >= 0);
    assert.equal(native!.setKeepalive(fd, 1, 60, 10, 5, 110_000), 0);
    assert.deepEqual(native!.getKeepalive(fd), [1, 60, 10, 5, 110_000]);
    assert.equal(native!.setKeepalive(fd, 0, 0, 0, 0, 0), 0);
    assert.equal(native!.getKeepalive(fd)[0], 0);
    assert.ok(native!.setKeepalive(fd, 1, -1, 10, 5, 0) < 0, 'invalid idle is refused');
    socket.destroy();
    server.close();
  });

  it('turns TCP_QUICKACK off and on again on a TCP socket', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const socket: Socket = await new Promise((r) => {
      const s = connect(port, '127.0.0.1', () => r(s));
    });
    const fd = descriptorOf(socket)!;
    assert.equal(native!.setQuickAck(fd, 0), 0);
    assert.equal(native!.getQuickAck(fd), 0);
    assert.equal(native!.setQuickAck(fd, 1), 0);
    assert.equal(native!.getQuickAck(fd), 1);
    socket.destroy();
    server.close();
    assert.ok(native!.setQuickAck(fd, 1) < 0, 'a closed descriptor is an error, not a crash');
  });

  it('releases memory: the young generation shrinks back after a burst', () => {
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;
    let keep: object[] = [];
    for (let i = 0; i < 3e6; i++) {
      keep.push({ i, s: `x${i}` });
      if (keep.length > 50_000) keep = [];
    }
    const grown = young();
    assert.ok(keep.length <= 50_000);
    const trimmed = native!.releaseMemory();
    assert.ok(trimmed === 0 || trimmed === 1);
    assert.ok(young() < grown, `young generation ${grown} -> ${young()} bytes`);
  });

  it('listens on a bare descriptor and duplicates it', () => {
    const fd = native!.listenTcp('127.0.0.1', 0, 16, 0);
    assert.ok(fd >= 0);
    assert.ok(native!.localPort(fd) > 0);
    const copy = native!.dupCloexec(fd);
    assert.ok(copy >= 0 && copy !== fd);
    assert.equal(native!.localPort(copy), native!.localPort(fd));
    assert.equal(native!.closeFd(copy), 0);
    assert.equal(native!.closeFd(fd), 0);
    assert.ok(native!.listenTcp('not-an-address', 0, 16, 0) < 0);
  });
});
