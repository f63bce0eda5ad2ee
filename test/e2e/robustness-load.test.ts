/**
 * docs/ROBUSTNESS.md, misbehaving peers under load: connection floods, and
 * leaving the gateway (politely or with a raw -1) while 64 KiB messages are in
 * flight. Messages carry their own checksum, so a partial one would show.
 * Stuck, vanishing and killed receivers are in robustness-receivers.test.ts.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { describe, it } from 'node:test';
import { RawClient } from '../helpers/raw-client';
import { busyClients, exchange, fdCount, intact, sessionPids, sleep } from '../helpers/robustness';
import { loadRigForSuite } from './load-rig';

describe('robustness: floods and in-flight leaves', { timeout: 300_000 }, () => {
  const { server, bystanders, bystandersTalk, sessionsEnded, startFlood } = loadRigForSuite();

  let poolBeforeFlood = 0;
  it('300 connections opened and dropped at once: all are served and ended, the pair keeps talking throughout', async (t) => {
    assert.ok(await server.waitFor(() => busyClients(server).length === 2));
    await sleep(500);
    poolBeforeFlood = sessionPids(server).length;
    const listenerFds = fdCount(server.child.pid!);
    const endedBefore = sessionsEnded();

    const [p, q] = bystanders();
    let flooding = true;
    let duringFlood = 0;
    const talk = (async () => {
      let n = 0;
      while (flooding) {
        await exchange(p, q, `during flood ${n}`);
        await exchange(q, p, `during flood back ${n++}`);
        duringFlood++;
      }
    })();
    const drops = Array.from(
      { length: 300 },
      () =>
        new Promise<void>((resolve) => {
          const s = netConnect({ host: '127.0.0.1', port: server.port }, () => s.destroy());
          s.on('close', () => resolve());
          s.on('error', () => {});
        }),
    );
    await Promise.all(drops);
    const allEnded = await server.waitFor(() => sessionsEnded() - endedBefore >= 300, 60_000);
    flooding = false;
    await talk;
    assert.ok(allEnded, `sessions ended: ${sessionsEnded() - endedBefore} of 300`);
    assert.ok(duringFlood > 0, 'the pair exchanged messages while the flood was being served');
    t.diagnostic(`round trips between the pair during the flood: ${duringFlood}; session processes ${poolBeforeFlood} -> ${sessionPids(server).length}`);
    await bystandersTalk();

    assert.ok(await server.waitFor(() => busyClients(server).length === 2), `busy: ${busyClients(server)}`);
    assert.deepEqual(server.spoolEntries().sort(), ['by-p', 'by-q']);
    assert.equal(server.spoolInternals().filter((e) => /^\.(inboxes|locks)\//.test(e)).length, 2);
    assert.equal(fdCount(server.child.pid!), listenerFds, 'listener descriptors');
    assert.doesNotMatch(server.logs(), /session crashed|ended abnormally/);
  });

  it('after the flood, the number of session processes returns to what it was before', async () => {
    // Surplus waiting processes may be kept a while after a burst; give the pool that long.
    const back = await server.waitFor(() => sessionPids(server).length === poolBeforeFlood, 30_000);
    assert.ok(back, `session processes before the flood: ${poolBeforeFlood}, after: ${sessionPids(server).length}`);
  });

  it('leave() while 64 KiB messages are in flight, 100 times: every delivery whole, the next command in step', async (t) => {
    const flood = await startFlood('flooder', () => 'target');
    const client = await server.connect();
    let delivered = 0;
    let afterLeave = 0;
    for (let i = 0; i < 100; i++) {
      const peer = await client.enterGateway('target');
      const first = await peer.receive(1);
      await peer.leave();
      const rest = await peer.receive(peer.buffered);
      afterLeave += rest.length;
      for (const m of [...first, ...rest]) {
        assert.equal(m.length, 64 * 1024);
        assert.ok(intact(m), `round ${i}: a corrupt delivery`);
      }
      delivered += 1 + rest.length;
      assert.equal(await client.command(`ECHO round ${i}`), `round ${i}`);
    }
    await flood.stop();
    assert.ok(delivered >= 100);
    assert.ok(afterLeave > 0, 'some deliveries were still on their way when -1 was sent');
    t.diagnostic(`delivered ${delivered}, of which ${afterLeave} arrived after leave() was called`);
    await client.end();
    await bystandersTalk();
  });

  it('a raw -1 then ECHO <token> while 64 KiB messages are in flight, 100 times: every frame before the token is a whole message', async (t) => {
    const flood = await startFlood('raw-flooder', () => 'raw-target');
    const raw = await RawClient.open(server.port);
    await raw.handshake(server.publicKey, server.hash);
    let inFlight = 0;
    for (let i = 0; i < 100; i++) {
      raw.send('XS_GATEWAY');
      assert.equal(await raw.text(), 'OK');
      raw.send('raw-target');
      assert.equal(await raw.text(), 'OK');
      const first = (await raw.next())!;
      assert.ok(first.length === 64 * 1024 && intact(first));
      raw.signal(-1);
      const token = `token-${i}`;
      raw.send(`ECHO ${token}`);
      for (;;) {
        const f = await raw.next();
        assert.ok(f !== null, 'connection closed');
        if (f.length !== 64 * 1024) {
          assert.equal(f.toString(), token, `round ${i}: a frame that is neither a whole message nor the token`);
          break;
        }
        assert.ok(intact(f), `round ${i}: a corrupt delivery`);
        inFlight++;
      }
    }
    raw.send('ECHO in step');
    assert.equal(await raw.text(), 'in step');
    await flood.stop();
    assert.ok(inFlight > 0, 'some deliveries were still on their way when -1 was sent');
    t.diagnostic(`whole messages between -1 and the token: ${inFlight}`);
    raw.send('END');
    await raw.closedPromise;
    await bystandersTalk();
  });
});
