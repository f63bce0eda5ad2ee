import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { test } from 'node:test';
import { Connector, type Target, describeTarget } from '../../src/bench/target';

const base: Target = { host: '127.0.0.1', port: 10346, version: '0.0', publicKey: '', hash: 'h', timeoutMs: 2000 };

test('a target with a peer host names both ends', () => {
  assert.equal(describeTarget(base), '127.0.0.1:10346');
  assert.equal(describeTarget({ ...base, peerHost: '::1' }), '127.0.0.1:10346 -> [::1]:10346');
});

test('the receiving side connects to the peer host, the sending side to the host', async () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // Two listeners on one port, two loopback addresses, that record who was reached and hang up.
  const seen: string[] = [];
  const listen = (host: string, port: number) =>
    new Promise<Server>((resolve) => {
      const server = createServer((socket) => {
        seen.push(host);
        socket.destroy();
      });
      server.listen(port, host, () => resolve(server));
    });
  const a = await listen('127.0.0.1', 0);
  const port = (a.address() as AddressInfo).port;
  const b = await listen('127.0.0.2', port);
  try {
    const connector = new Connector({ ...base, port, publicKey: pem, peerHost: '127.0.0.2' });
    await assert.rejects(connector.connect());
    await assert.rejects(connector.connectReceiver());
    assert.deepEqual(seen, ['127.0.0.1', '127.0.0.2']);
  } finally {
    a.close();
    b.close();
  }
});
