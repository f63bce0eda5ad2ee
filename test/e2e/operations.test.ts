import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { GatewayPeer } from '../../src/client';
import { httpGet, metricValue } from '../helpers/http-get';
import { peerOf, rawInGateway, serverForSuite } from './fixture';

describe('metrics, health and reload', () => {
  const server = serverForSuite(['--metrics-listen', '127.0.0.1:0']);
  const metrics = async () => (await httpGet(`http://127.0.0.1:${server.metricsPort}/metrics`)).body;

  it('serves /healthz', async () => {
    const res = await httpGet(`http://127.0.0.1:${server.metricsPort}/healthz`);
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body) as { ok: boolean }).ok, true);
    assert.equal((await httpGet(`http://127.0.0.1:${server.metricsPort}/nope`)).status, 404);
  });

  it('counters move with traffic, gathered from the session processes', async () => {
    const before = await metrics();
    const a = await peerOf(server, 'm-a');
    const b = await peerOf(server, 'm-b');
    for (let i = 0; i < 20; i++) await a.send('m-b', `n${i}`);
    await b.receive(20);
    await a.send('nobody', 'x');
    // Run records refresh once a second.
    let after = '';
    const moved = await server.waitFor(() => false, 1200).then(async () => {
      after = await metrics();
      return metricValue(after, 'tfgw_messages_delivered_total') - metricValue(before, 'tfgw_messages_delivered_total');
    });
    assert.ok(moved >= 20, `delivered moved by ${moved}`);
    assert.ok(metricValue(after, 'tfgw_messages_relayed_total') >= 20);
    assert.ok(metricValue(after, 'tfgw_messages_dropped_total{reason="no_peer"}') >= 1);
    assert.equal(metricValue(after, 'tfgw_gateway_peers'), 2);
    assert.ok(metricValue(after, 'tfgw_handshakes_total{outcome="ok"}') >= 2);
    assert.ok(metricValue(after, 'tfgw_sessions{state="busy"}') >= 2);
    await a.leave();
    await b.leave();
  });

  it('SIGHUP applies live settings and names the ones that need a restart', async () => {
    server.child.kill('SIGHUP');
    assert.ok(await server.waitFor(() => /configuration reloaded .*applied="?nothing changed/.test(server.logs())));
  });
});

describe('limits', () => {
  const server = serverForSuite([
    ...['--metrics-listen', '127.0.0.1:0', '--inbox-max-files', '8'],
    ...['--max-peers', '3', '--slow-receiver-timeout', '1500'],
  ]);

  it('a receiver that never reads: its inbox fills, new messages are dropped and counted, then it is disconnected', async () => {
    const stuck = await rawInGateway(server, 'stuck');
    stuck.socket.pause();
    const sender = await peerOf(server, 'flood-sender');
    const other = await peerOf(server, 'bystander');
    const body = randomBytes(64 * 1024);
    const fullMark = path.join(server.spool, 'stuck', '.full');
    let marked = false;
    for (let i = 0; i < 2000 && !marked; i++) {
      await sender.send('stuck', body);
      marked = existsSync(fullMark);
      if (i % 20 === 19) {
        // Everyone else keeps exchanging messages meanwhile.
        await sender.send('bystander', `alive ${i}`);
        assert.deepEqual(await other.receive(1), [Buffer.from(`alive ${i}`)]);
      }
    }
    assert.ok(marked, 'the inbox was marked full');
    const queued = readdirSync(path.join(server.spool, 'stuck')).filter((n) => /^\d{13}-/.test(n)).length;
    // The mark follows the arrivals by one wake-up of the receiving process, so a sender may land a few more.
    assert.ok(queued <= 8 + 8, `inbox bounded: ${queued} files`);
    for (let i = 0; i < 5; i++) await sender.send('stuck', body);
    const metrics = async () => (await httpGet(`http://127.0.0.1:${server.metricsPort}/metrics`)).body;
    let dropped = 0;
    await server.waitFor(() => false, 1200);
    dropped = metricValue(await metrics(), 'tfgw_messages_dropped_total{reason="inbox_full"}');
    assert.ok(dropped >= 5, `inbox_full drops counted: ${dropped}`);
    assert.ok(await server.waitFor(() => /slow receiver: inbox full too long, disconnecting/.test(server.logs())));
    // Reading again, the client finds its connection closed.
    stuck.socket.resume();
    await stuck.closedPromise;
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('stuck')));
    await sender.send('bystander', 'still here');
    assert.deepEqual(await other.receive(1), [Buffer.from('still here')]);
    await sender.leave();
    await other.leave();
  });

  it('refuses identities beyond maxPeers with FAILED 14', async () => {
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0));
    const peers = await Promise.all(['l1', 'l2', 'l3'].map((id) => peerOf(server, id)));
    const extra = await server.connect();
    await assert.rejects(extra.enterGateway('l4'), (err: Error & { code?: number }) => err.code === 14);
    assert.equal(await extra.command('ECHO fine'), 'fine');
    await Promise.all(peers.map((p) => p.leave()));
    await extra.end();
  });
});

describe('maxPeers under concurrent claims', () => {
  const server = serverForSuite(['--max-peers', '3', '--spare-sessions', '12']);

  it('of 12 clients claiming at once with room for 3, exactly 3 get OK and the rest FAILED 14', async () => {
    // Every client has finished the connection sequence first, so the claims are what races.
    const clients = await Promise.all(Array.from({ length: 12 }, () => server.connect()));
    const results = await Promise.allSettled(clients.map((c, i) => c.enterGateway(`race-${i}`)));
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: number }).code === 14);
    assert.equal(admitted.length, 3, `admitted ${admitted.length}`);
    assert.equal(refused.length, 9);
    assert.equal(server.spoolEntries().length, 3);
    await Promise.all(admitted.map((r) => (r as PromiseFulfilledResult<GatewayPeer>).value.leave()));
    await Promise.all(clients.map((c) => c.end()));
  });
});

describe('inbound rate limit', () => {
  const server = serverForSuite(['--rate-limit', '200000', '--metrics-listen', '127.0.0.1:0']);

  it('pauses reading a fast sender without losing its messages', async () => {
    const a = await peerOf(server, 'rl-a');
    const b = await peerOf(server, 'rl-b');
    const body = randomBytes(100_000);
    for (let i = 0; i < 30; i++) await a.send('rl-b', body);
    const got = await b.receive(30);
    assert.equal(got.length, 30);
    assert.ok(got.every((m) => m.equals(body)));
    // 3 MB against a 200 kB/s limit with a bucket of about 1 MB: the sender's
    // session must have paused reading; the run records say how often.
    await server.waitFor(() => false, 1200);
    const text = (await httpGet(`http://127.0.0.1:${server.metricsPort}/metrics`)).body;
    assert.ok(metricValue(text, 'tfgw_rate_limited_total') > 0, 'rate limit pauses counted');
    await a.leave();
    await b.leave();
  });
});
