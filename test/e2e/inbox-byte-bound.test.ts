/**
 * The inbox byte bound under concurrent senders: a receiver that never reads,
 * its inbox bounded to 2 MiB, and 4 (then 8) senders sending 20 messages of
 * 256 KiB each at once. The inbox never holds more than the bound plus one
 * message, whatever the number of senders.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { GatewayPeer } from '../../src/client';
import { exchange } from '../helpers/robustness';
import { peerOf, rawInGateway, serverForSuite } from './fixture';

const BOUND = 2 * 1024 * 1024;
const MESSAGE = 256 * 1024;
const EACH = 20;

/** Bytes of message files in the inbox `identity` links to. */
function queuedBytes(spool: string, identity: string): number {
  const dir = path.join(spool, identity);
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || name === 'owner.json') continue;
    try {
      total += statSync(path.join(dir, name)).size;
    } catch {
      // Removed meanwhile.
    }
  }
  return total;
}

describe('the inbox byte bound under concurrent senders', { timeout: 300_000 }, () => {
  const server = serverForSuite(['--inbox-max-bytes', String(BOUND), '--inbox-max-files', '100000', '--spare-sessions', '10']);

  // Not held yet: each sender's session checks the receiver's `.full` mark, which the
  // receiving session writes only once it has seen the bytes, so every sender in
  // flight lands one more message meanwhile (measured: 3 MiB with 4 senders, 5.75 MiB
  // with 8). Kept as a to-do so that the suite shows the gap until senders reserve room.
  const todo = 'the byte bound is exceeded by about one message per concurrent sender';
  for (const senders of [4, 8]) {
    it(`${senders} senders × ${EACH} × 256 KiB to a receiver that never reads: at most 2 MiB plus one message queued`, { todo }, async () => {
      const identity = `stuck-${senders}`;
      const stuck = await rawInGateway(server, identity);
      stuck.socket.pause();
      const peers: GatewayPeer[] = await Promise.all(Array.from({ length: senders }, (_, i) => peerOf(server, `s${senders}-${i}`)));
      const body = Buffer.alloc(MESSAGE, 'b');
      let most = 0;
      const sampler = setInterval(() => {
        most = Math.max(most, queuedBytes(server.spool, identity));
      }, 5);
      try {
        await Promise.all(
          peers.map(async (p) => {
            for (let i = 0; i < EACH; i++) await p.send(identity, body);
          }),
        );
        // Every sender's session has handled what it was sent once a message of each reaches another peer.
        for (const p of peers.slice(1)) await exchange(p, peers[0]!, `done ${p.identity}`);
      } finally {
        clearInterval(sampler);
      }
      most = Math.max(most, queuedBytes(server.spool, identity));
      assert.ok(most <= BOUND + MESSAGE, `the inbox held ${most} bytes (bound ${BOUND} + ${MESSAGE})`);
      assert.ok(most >= BOUND - MESSAGE, `the inbox filled up to its bound (${most} bytes)`);
      await Promise.all(peers.map((p) => p.leave()));
      stuck.close();
      assert.ok(await server.waitFor(() => !server.spoolEntries().includes(identity), 10_000));
    });
  }
});
