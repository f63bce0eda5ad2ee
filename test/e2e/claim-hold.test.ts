/**
 * Input while an identity is being claimed: the session parses nothing until the
 * claim is answered, and reads nothing either, so a client that keeps sending
 * meanwhile is held back by TCP, not buffered by the session. The claim is made
 * slow by holding the spool's gateway lock (`.locks/.gateway.lock`) from the test.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeFrame } from '../../src/protocol/frame';
import { RawClient } from '../helpers/raw-client';
import { sleep } from '../helpers/robustness';
import { serverForSuite } from './fixture';

/** 48 gateway messages of 512 KiB: 24 MiB. */
const MESSAGES = 48;
const MESSAGE = 512 * 1024;
/** What a session may have read past the identity frame while it is held: one socket read and change. */
const READ_BOUND = 1024 * 1024;

/** Bytes the session process serving `client` has read from it, from its run record. */
function bytesReadFrom(spool: string, client: string): number | null {
  const dir = path.join(spool, '.run');
  for (const name of readdirSync(dir).filter((n) => /^[a-z0-9][a-z0-9_-]*\.\d+\.json$/.test(n))) {
    try {
      const record = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { client: string | null; stats: { bytesIn: number } };
      if (record.client === client) return record.stats.bytesIn;
    } catch {
      // Being rewritten right now.
    }
  }
  return null;
}

describe('input while an identity is being claimed', () => {
  const server = serverForSuite();

  it('is not read: 24 MiB sent during a slow claim stay with the client until the claim is answered', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake(server.publicKey, server.hash);
    raw.send('XS_GATEWAY');
    assert.equal(await raw.text(), 'OK');
    const client = `127.0.0.1:${raw.socket.localPort}`;

    // Held by "another session": kept fresh so that it never looks stale.
    const lock = path.join(server.spool, '.locks', '.gateway.lock');
    mkdirSync(lock, { recursive: true });
    const keepFresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 500);
    try {
      raw.send('held-claim');
      const body = Buffer.alloc(MESSAGE, 'x');
      for (let i = 0; i < MESSAGES; i++) {
        raw.send('nobody');
        raw.raw(encodeFrame(body, raw.tx));
      }
      // The run record is rewritten every second: two of them after the flood began.
      await sleep(2500);
      const read = bytesReadFrom(server.spool, client);
      assert.notEqual(read, null, 'the session reports its client');
      assert.ok(read! < READ_BOUND, `the session read ${read} bytes while claiming`);
      assert.ok(raw.socket.writableLength > 8 * 1024 * 1024, `only ${raw.socket.writableLength} bytes wait at the client`);
    } finally {
      clearInterval(keepFresh);
      rmSync(lock, { recursive: true, force: true });
    }

    // The claim goes through; everything held is then read and handled in order.
    assert.equal(await raw.text(10_000), 'OK');
    raw.signal(-1);
    raw.send('ECHO after the flood');
    assert.equal(await raw.text(30_000), 'after the flood');
    assert.ok(await server.waitFor(() => (bytesReadFrom(server.spool, client) ?? 0) > MESSAGES * MESSAGE, 5000));
    raw.close();
  });
});
