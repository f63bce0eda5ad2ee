/**
 * The inbox byte bound under concurrent senders: a receiver that never reads,
 * its inbox bounded to 2 MiB, and 4 (then 8) senders sending 20 messages of
 * 256 KiB each at once. Once the senders are done the inbox holds no more than
 * the bound plus one message, whatever the number of senders: files renamed in
 * past the full mark are removed by the holder (docs/SPOOL.md §7.5).
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { GatewayPeer } from '../../src/client';
import { httpGet, metricValue } from '../helpers/http-get';
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
  const server = serverForSuite(['--metrics-listen', '127.0.0.1:0', '--inbox-max-bytes', String(BOUND), '--inbox-max-files', '100000', '--spare-sessions', '10']);

  for (const senders of [4, 8]) {
    it(`${senders} senders × ${EACH} × 256 KiB to a receiver that never reads: at most 2 MiB plus one message queued`, async () => {
      const identity = `stuck-${senders}`;
      const stuck = await rawInGateway(server, identity);
      stuck.socket.pause();
      const peers: GatewayPeer[] = await Promise.all(Array.from({ length: senders }, (_, i) => peerOf(server, `s${senders}-${i}`)));
      const body = Buffer.alloc(MESSAGE, 'b');
      await Promise.all(
        peers.map(async (p) => {
          for (let i = 0; i < EACH; i++) await p.send(identity, body);
        }),
      );
      // Every sender's session has handled what it was sent once a message of each reaches another peer.
      for (const p of peers.slice(1)) await exchange(p, peers[0]!, `done ${p.identity}`);
      // The holder reads each arrival's notification shortly after it: wait for the inbox to settle.
      let held = queuedBytes(server.spool, identity);
      for (let still = 0; still < 5; ) {
        await new Promise((r) => setTimeout(r, 100));
        const now = queuedBytes(server.spool, identity);
        still = now === held ? still + 1 : 0;
        held = now;
      }
      assert.ok(held <= BOUND + MESSAGE, `the inbox holds ${held} bytes (bound ${BOUND} + ${MESSAGE})`);
      assert.ok(held >= BOUND - MESSAGE, `the inbox filled up to its bound (${held} bytes)`);
      // What did not fit was dropped and counted (the counters reach /metrics with the run records' refresh).
      const dropped = async () => {
        const text = (await httpGet(`http://127.0.0.1:${server.metricsPort}/metrics`)).body;
        return metricValue(text, 'tfgw_messages_dropped_total{reason="inbox_full"}');
      };
      let counted = 0;
      for (let i = 0; i < 50 && counted === 0; i++) {
        counted = await dropped();
        if (counted === 0) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(counted >= 1, 'the drops are counted as inbox_full');
      await Promise.all(peers.map((p) => p.leave()));
      stuck.close();
      assert.ok(await server.waitFor(() => !server.spoolEntries().includes(identity), 10_000));
    });
  }
});
