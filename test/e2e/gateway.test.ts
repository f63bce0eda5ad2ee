import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { GatewayPeer } from '../../src/client';
import { peerOf, serverForSuite } from './fixture';

describe('gateway over the spool', () => {
  const server = serverForSuite();

  it('delivers messages of 0, 1, 4096 and 524288 bytes intact', async () => {
    const alice = await peerOf(server, 'alice');
    const bob = await peerOf(server, 'bob');
    const bodies = [0, 1, 4096, 524288].map((n) => randomBytes(n));
    for (const body of bodies) await alice.send('bob', body);
    const got = await bob.receive(bodies.length);
    assert.deepEqual(got, bodies);
    await alice.leave();
    await bob.leave();
  });

  it('shows one inbox per identity while peers are in, and nothing after', async () => {
    const a = await peerOf(server, 'ls-a');
    const b = await peerOf(server, 'ls-b');
    assert.deepEqual(server.spoolEntries().sort(), ['ls-a', 'ls-b']);
    await a.leave();
    await b.leave();
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0));
    // Session processes keep their run records (.run) and temporary dirs (.tmp); no peer leaves anything.
    assert.ok(await server.waitFor(() => server.spoolInternals().filter((e) => /^\.(inboxes|locks)\//.test(e)).length === 0));
  });

  it('keeps order per sender while both peers send at once', async () => {
    const a = await peerOf(server, 'duplex-a');
    const b = await peerOf(server, 'duplex-b');
    const n = 500;
    const sendAll = async (from: GatewayPeer, to: string) => {
      for (let i = 0; i < n; i++) await from.send(to, `${to}:${i}`);
    };
    const [gotA, gotB] = await Promise.all([a.receive(n), b.receive(n), sendAll(a, 'duplex-b'), sendAll(b, 'duplex-a')]);
    assert.deepEqual(
      gotA!.map((m) => m.toString()),
      Array.from({ length: n }, (_, i) => `duplex-a:${i}`),
    );
    assert.deepEqual(
      gotB!.map((m) => m.toString()),
      Array.from({ length: n }, (_, i) => `duplex-b:${i}`),
    );
    await a.leave();
    await b.leave();
  });

  it('loses a message for an absent identity and the sender goes on', async () => {
    const a = await peerOf(server, 'lonely');
    const b = await peerOf(server, 'present');
    await a.send('nobody-here', 'lost');
    await a.send('present', 'kept');
    assert.deepEqual(await b.receive(1), [Buffer.from('kept')]);
    assert.equal(server.spoolEntries().includes('nobody-here'), false);
    await a.leave();
    await b.leave();
  });

  it('after -1, ECHO works and nothing sent to the old identity arrives', async () => {
    const aClient = await server.connect();
    const a = await aClient.enterGateway('leaver');
    const b = await peerOf(server, 'sender');
    await b.send('leaver', 'before');
    assert.deepEqual(await a.receive(1), [Buffer.from('before')]);
    await a.leave();
    assert.equal(await aClient.command('ECHO back'), 'back');
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('leaver')));
    await b.send('leaver', 'after');
    assert.equal(await aClient.command('ECHO still'), 'still');
    assert.equal(a.buffered, 0);
    await b.leave();
    await aClient.end();
  });

  it('takeover policy: the newest claimant receives, the older one can still send', async () => {
    const old = await peerOf(server, 'shared-id');
    const other = await peerOf(server, 'observer');
    const newer = await peerOf(server, 'shared-id');
    await other.send('shared-id', 'to the newest');
    assert.deepEqual(await newer.receive(1), [Buffer.from('to the newest')]);
    await old.send('observer', 'old still sends');
    assert.deepEqual(await other.receive(1), [Buffer.from('old still sends')]);
    assert.equal(old.buffered, 0);
    assert.deepEqual(server.spoolEntries().sort(), ['observer', 'shared-id']);
    await Promise.all([old.leave(), newer.leave(), other.leave()]);
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0));
  });

  it('client leave() under in-flight traffic never mistakes a delivery for a reply', async () => {
    const flooder = await peerOf(server, 'flooder');
    let stop = false;
    const flood = (async () => {
      let i = 0;
      while (!stop) {
        await flooder.send('target', `m${i++}`);
        // A send resolves at once while the socket takes the bytes: let this process's I/O run too.
        if (i % 64 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    for (let round = 0; round < 10; round++) {
      const client = await server.connect();
      const target = await client.enterGateway('target');
      await new Promise((r) => setTimeout(r, 20));
      await target.leave();
      // Every delivery was handed to the stream; the command interface is in step.
      for (const m of await target.receive(target.buffered)) assert.match(m.toString(), /^m\d+$/);
      assert.equal(await client.command('ECHO in step'), 'in step');
      await client.end();
    }
    stop = true;
    await flood;
    await flooder.leave();
  });
});

describe('refuse policy', () => {
  const server = serverForSuite(['--conflict-policy', 'refuse']);

  it('refuses a second claimant with FAILED 1 and keeps the first', async () => {
    const first = await peerOf(server, 'taken');
    const second = await server.connect();
    await assert.rejects(second.enterGateway('taken'), (err: Error & { code?: number }) => err.code === 1);
    assert.equal(await second.command('ECHO usable'), 'usable');
    const sender = await second.enterGateway('someone-else');
    await sender.send('taken', 'still yours');
    assert.deepEqual(await first.receive(1), [Buffer.from('still yours')]);
    await first.leave();
    await sender.leave();
  });
});

describe('spawn process model (one process started per accepted connection)', () => {
  const server = serverForSuite([], { TFGW_PROCESS_MODEL: 'spawn' });

  it('relays between peers and clears a killed session', async () => {
    assert.match(server.logs(), /model=spawn/);
    const a = await peerOf(server, 'spawn-a');
    const b = await peerOf(server, 'spawn-b');
    await a.send('spawn-b', 'via spawned sessions');
    assert.deepEqual(await b.receive(1), [Buffer.from('via spawned sessions')]);
    await a.leave();
    await b.leave();
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0));
  });
});
