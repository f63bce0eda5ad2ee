import assert from 'node:assert/strict';
import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { connect } from '../../src/client';
import { RawClient } from '../helpers/raw-client';
import { serverForSuite } from './fixture';

describe('connection sequence and commands over TCP', () => {
  const server = serverForSuite(['--handshake-timeout', '1500']);

  it('completes the handshake and serves ECHO, dates, UNKNOWN and END', async () => {
    const client = await server.connect();
    assert.equal(await client.command('ECHO hello gateway'), 'hello gateway');
    assert.match(await client.command('DATE'), /^OK \d{10}$/);
    assert.match(await client.command('NDATE'), /^OK \d{10}\.\d{9}$/);
    assert.match(await client.command('DATEF'), /^OK \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.match(await client.command('GENUUID'), /^OK [0-9a-f-]{36}$/);
    assert.match(await client.command('PROCKEY'), /^OK \/\d+$/);
    assert.equal(await client.command('KEEPALIVE 1 60 | 10 | 5'), 'OK');
    assert.equal(await client.command('LS /'), 'UNKNOWN');
    await client.end();
  });

  it('refuses a wrong version with FAILED 2', async () => {
    await assert.rejects(
      connect({ host: '127.0.0.1', port: server.port, version: '9.9', publicKey: server.publicKey, hash: server.hash }),
      (err: Error & { code?: number }) => err.code === 2,
    );
  });

  it('refuses a wrong hash with FAILED 3', async () => {
    await assert.rejects(
      connect({ host: '127.0.0.1', port: server.port, version: '0.0', publicKey: server.publicKey, hash: 'nope' }),
      (err: Error & { code?: number }) => err.code === 3,
    );
  });

  it('refuses a key blob that is not RSA-OAEP and keys of 15 and 215 bytes with FAILED 25', async () => {
    const blobs = [
      randomBytes(256),
      publicEncrypt({ key: server.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, randomBytes(15)),
      Buffer.from('short'),
    ];
    for (const blob of blobs) {
      const raw = await RawClient.open(server.port);
      raw.send('0.0');
      assert.equal(await raw.text(), 'OK');
      raw.send(blob);
      assert.match((await raw.text())!, /^FAILED 25 /);
      await raw.closedPromise;
    }
    // 215 bytes do not fit RSA-2048 OAEP at all: the client cannot even seal them.
    assert.throws(() =>
      publicEncrypt({ key: server.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, randomBytes(215)),
    );
  });

  it('accepts session keys of 16 and 214 bytes', async () => {
    for (const keyLength of [16, 214]) {
      const client = await connect({
        host: '127.0.0.1',
        port: server.port,
        version: '0.0',
        publicKey: server.publicKey,
        hash: server.hash,
        keyLength,
      });
      assert.equal(await client.command('ECHO k'), 'k');
      await client.end();
    }
  });

  it('closes a connection whose handshake never finishes', async () => {
    const raw = await RawClient.open(server.port);
    raw.send('0.0');
    assert.equal(await raw.text(), 'OK');
    await raw.closedPromise;
    assert.equal(raw.closed, true);
    assert.ok(await server.waitFor(() => server.logs().includes('handshake timed out')));
  });

  it('answers a version frame declaring 2 GiB with FAILED 2 and a close', async () => {
    const raw = await RawClient.open(server.port);
    const header = Buffer.alloc(4);
    header.writeInt32BE(2 ** 31 - 1);
    raw.raw(header);
    assert.match((await raw.text())!, /^FAILED 2 /);
    await raw.closedPromise;
  });
});
