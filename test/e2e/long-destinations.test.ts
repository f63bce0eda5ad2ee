/**
 * One client sending to many distinct destinations of the largest length
 * (524287 bytes): the sender's destination cache is bounded, so its session
 * stays alive within its heap cap and answers `ECHO` after `-1`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverForSuite } from './fixture';

const DESTINATIONS = 300;
const LENGTH = 524_287;

describe('many distinct 524287-byte destinations', { timeout: 300_000 }, () => {
  const server = serverForSuite();

  it('300 messages to distinct 524287-byte destinations leave the session alive and answering ECHO after -1', async () => {
    const client = await server.connect();
    const peer = await client.enterGateway('long-dest-sender');
    const destination = Buffer.alloc(LENGTH, 'd');
    for (let i = 0; i < DESTINATIONS; i++) {
      destination.writeUInt32BE(i, 0);
      await peer.send(destination, '');
    }
    await peer.leave();
    assert.equal(await client.command('ECHO still here'), 'still here');
    await client.end();
    assert.doesNotMatch(server.logs(), /heap limit|ended abnormally/);
  });
});
