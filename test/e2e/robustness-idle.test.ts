/**
 * docs/ROBUSTNESS.md, the idle timeout: with --idle-timeout, a client that stops
 * half-way (in a frame's header before a command, or in a message inside the
 * gateway) is closed and its identity released, while peers that keep talking
 * are never idle. The other bad-input rows are in robustness-input.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame } from '../../src/protocol/frame';
import { RawClient } from '../helpers/raw-client';
import { busyClients, exchange, logsOf, sealedMessage, sleep } from '../helpers/robustness';
import { peerOf, rawInGateway, serverForSuite } from './fixture';

describe('robustness: --idle-timeout bounds a client that stops half-way', { timeout: 300_000 }, () => {
  const server = serverForSuite(['--idle-timeout', '1000']);

  it('a header and then nothing after the hash: closed after the idle timeout, as is a quiet client', async () => {
    const raw = await RawClient.open(server.port);
    const port = raw.socket.localPort!;
    await raw.handshake(server.publicKey, server.hash);
    const quiet = await RawClient.open(server.port);
    const quietPort = quiet.socket.localPort!;
    await quiet.handshake(server.publicKey, server.hash);
    raw.raw(encodeFrame('ECHO never finished', raw.tx).subarray(0, 4));
    await raw.closedPromise;
    await quiet.closedPromise;
    for (const p of [port, quietPort]) {
      assert.ok(await server.waitFor(() => /session ended .*reason="idle timeout"/.test(logsOf(server, p))));
      assert.ok(await server.waitFor(() => !busyClients(server).includes(`127.0.0.1:${p}`)));
    }
  });

  it('half a message inside the gateway and then nothing: closed, identity released, others unaffected', async () => {
    const raw = await rawInGateway(server, 'stalled');
    const port = raw.socket.localPort!;
    raw.send('nobody');
    raw.raw(encodeFrame(sealedMessage(1000), raw.tx).subarray(0, 300));
    // Two peers that keep talking are never idle.
    const x = await peerOf(server, 'talk-x');
    const y = await peerOf(server, 'talk-y');
    let n = 0;
    while (!raw.closed && n < 100) {
      await exchange(x, y, `x->y ${n++}`);
      await sleep(100);
    }
    await raw.closedPromise;
    assert.ok(await server.waitFor(() => /session ended .*reason="idle timeout"/.test(logsOf(server, port))));
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('stalled')));
    await exchange(y, x, 'still talking');
    await x.leave();
    await y.leave();
  });
});
