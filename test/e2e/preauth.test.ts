/**
 * A pre-authentication flood: 600 sockets from 127.0.0.1 that never send a byte.
 * The sessions admit at most `preauthPerAddress` of them at a time and close the
 * rest at once (counted), the pool does not grow for them past its bound, and a
 * client from 127.0.0.2 still completes the connection sequence within 2 s.
 */
import assert from 'node:assert/strict';
import { type Socket, connect as connectSocket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect } from '../../src/client';
import { httpGet, metricValue } from '../helpers/http-get';
import { sessionPids } from '../helpers/robustness';
import { type ServerHandle, startServer } from '../helpers/tfgw-server';

const FLOOD = 600;
const CAP = 16;
const SPARES = 4;

function openSilent(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connectSocket({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(socket));
  });
}

describe('a pre-authentication flood from one address', () => {
  let server: ServerHandle;
  const flood: Socket[] = [];
  let most = 0;
  let sampler: NodeJS.Timeout;

  before(async () => {
    server = await startServer(['--metrics-listen', '127.0.0.1:0', '--spare-sessions', String(SPARES)], {
      TFGW_PREAUTH_PER_ADDRESS: String(CAP),
    });
    sampler = setInterval(() => {
      most = Math.max(most, sessionPids(server).length);
    }, 50);
  });
  after(async () => {
    clearInterval(sampler);
    for (const s of flood) s.destroy();
    await server.stop();
  });

  it('serves a client from another address within 2 s while 600 sockets never send a byte', async () => {
    for (let i = 0; i < FLOOD; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => openSilent(server.port)));
      flood.push(...batch);
    }
    const { port, publicKey, hash } = server;
    const started = Date.now();
    const client = await connect({ host: '127.0.0.1', port, version: '0.0', publicKey, hash, localAddress: '127.0.0.2', timeoutMs: 5000 });
    const took = Date.now() - started;
    client.close();
    assert.ok(took < 2000, `connection sequence took ${took} ms`);
  });

  it('keeps the session processes bounded and counts the refused connections', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    most = Math.max(most, sessionPids(server).length);
    // The flood's share (CAP), the spares, as many again while they start, and the pool's own start-up slack.
    const bound = CAP + 2 * SPARES + 2;
    assert.ok(most <= bound, `${most} session processes (bound ${bound})`);
    const metrics = (await httpGet(`http://127.0.0.1:${server.metricsPort}/metrics`)).body;
    const refused = metricValue(metrics, 'tfgw_preauth_refused_total');
    assert.ok(refused >= FLOOD - 3 * CAP, `refused ${refused}`);
  });
});
