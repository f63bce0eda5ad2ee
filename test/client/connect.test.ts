import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ConnectOptions, type TfClient, TfConnectionError, TfReplyError, connect } from '../../src/client';
import { useFakeGateway } from '../helpers/fake-gateway';

const gateway = useFakeGateway();
const open = (overrides: Partial<ConnectOptions> = {}) => gateway().connect(overrides);

function replyCode(code: number): (error: unknown) => boolean {
  return (error) => error instanceof TfReplyError && error.code === code;
}

describe('connection sequence', () => {
  it('connects and answers ECHO and UNKNOWN', async () => {
    const client = await open();
    assert.equal(await client.command('ECHO hello there'), 'hello there');
    assert.equal(await client.command(`NOSUCH${randomBytes(4).toString('hex')}`), 'UNKNOWN');
  });

  it('accepts a PEM public key and the shortest and longest session keys', async () => {
    const pem = gateway().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const keyLength of [16, 214]) {
      const client = await open({ publicKey: pem, keyLength });
      assert.equal(await client.command('ECHO k'), 'k');
    }
  });

  it('refuses session key lengths outside 16..214 before connecting', async () => {
    await assert.rejects(open({ keyLength: 15 }), RangeError);
    await assert.rejects(open({ keyLength: 215 }), RangeError);
  });

  it('rejects a wrong version with code 2', async () => {
    await assert.rejects(open({ version: '9.9' }), replyCode(2));
  });

  it('rejects a wrong hash with code 3', async () => {
    await assert.rejects(open({ hash: 'not-the-hash' }), replyCode(3));
  });
});

describe('misbehaving servers', () => {
  let server: Server;
  let behave: (socket: Socket) => void = () => undefined;

  before(async () => {
    server = createServer((socket) => behave(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  after(async () => {
    server.close();
  });

  function rawConnect(timeoutMs?: number): Promise<TfClient> {
    const port = (server.address() as AddressInfo).port;
    return connect({ host: '127.0.0.1', port, version: '0.0', publicKey: gateway().publicKey, hash: 'h', timeoutMs });
  }

  it('rejects a negative frame header', async () => {
    behave = (socket) => socket.once('data', () => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfb])));
    await assert.rejects(rawConnect(), /invalid frame header \(-5\)/);
  });

  it('rejects a frame header over the buffer size', async () => {
    behave = (socket) => socket.once('data', () => socket.write(Buffer.from([0x00, 0x08, 0x00, 0x01])));
    await assert.rejects(rawConnect(), TfConnectionError);
  });

  it('rejects when the server hangs up', async () => {
    behave = (socket) => socket.destroy();
    await assert.rejects(rawConnect(), TfConnectionError);
  });

  it('times out a silent server', async () => {
    const held: Socket[] = [];
    behave = (socket) => held.push(socket);
    await assert.rejects(rawConnect(150), /timed out/);
    for (const socket of held) socket.destroy();
  });
});
