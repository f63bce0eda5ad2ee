import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { peerOf, rawInGateway, serverForSuite } from './fixture';

describe('faults and hostile input', () => {
  const server = serverForSuite();

  it('an oversized length closes only the offender', async () => {
    const a = await peerOf(server, 'calm-a');
    const b = await peerOf(server, 'calm-b');
    const bad = await rawInGateway(server, 'offender');
    bad.send('calm-a');
    bad.signal(524289);
    await bad.closedPromise;
    await a.send('calm-b', 'unaffected');
    assert.deepEqual(await b.receive(1), [Buffer.from('unaffected')]);
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('offender')));
    assert.match(server.logs(), /protocol violation, closing .*exceeds the limit/);
    await a.leave();
    await b.leave();
  });

  it('a session process killed with SIGKILL leaves no inbox or claim behind', async () => {
    const victim = await peerOf(server, 'victim');
    const owner = JSON.parse(readFileSync(path.join(server.spool, 'victim', 'owner.json'), 'utf8')) as { pid: number };
    assert.ok(owner.pid > 0);
    const sender = await peerOf(server, 'survivor');
    await sender.send('victim', 'queued before the kill');
    process.kill(owner.pid, 'SIGKILL');
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('victim')), 'link removed');
    assert.ok(
      await server.waitFor(() => !server.spoolInternals().some((e) => e.includes(`/${owner.pid}`))),
      `claim removed: ${server.spoolInternals().join(' ')}`,
    );
    await sender.send('victim', 'lost now');
    victim.removeAllListeners();
    await sender.leave();
  });

  it('identities with /, .., NUL and 300 bytes stay inside the spool', async () => {
    const identities = [Buffer.from('../../etc/x'), Buffer.from('..'), Buffer.from('a\0b'), Buffer.alloc(300, 'z'), Buffer.from('/tmp')];
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0), `spool not settled: ${server.spoolEntries()}`);
    const peers = await Promise.all(identities.map((id) => peerOf(server, id)));
    const entries = server.spoolEntries();
    assert.equal(entries.length, identities.length);
    for (const name of entries) {
      assert.ok(!name.includes('/') && !name.startsWith('.') && name.length <= 203, name);
    }
    const sender = await peerOf(server, 'prober');
    for (const id of identities) await sender.send(id, Buffer.concat([Buffer.from('to:'), id]));
    for (let i = 0; i < identities.length; i++) {
      assert.deepEqual(await peers[i]!.receive(1), [Buffer.concat([Buffer.from('to:'), identities[i]!])]);
    }
    await Promise.all([...peers, sender].map((p) => p.leave()));
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0));
  });

  it('50 peers sending to each other at once: every message delivered exactly once', async () => {
    const n = 50;
    const perPair = 4;
    const peers = await Promise.all(Array.from({ length: n }, (_, i) => peerOf(server, `p${i}`)));
    const expected = n - 1;
    const receiving = peers.map((p) => p.receive(expected * perPair));
    await Promise.all(
      peers.map(async (p, i) => {
        for (let k = 0; k < perPair; k++) {
          for (let j = 0; j < n; j++) if (j !== i) await p.send(`p${j}`, `${i}>${j}#${k}`);
        }
      }),
    );
    const got = await Promise.all(receiving);
    got.forEach((messages, j) => {
      const texts = messages.map((m) => m.toString());
      assert.equal(new Set(texts).size, texts.length, `duplicates at p${j}`);
      for (let i = 0; i < n; i++) {
        if (i === j) continue;
        const fromI = texts.filter((t) => t.startsWith(`${i}>`));
        assert.deepEqual(fromI, Array.from({ length: perPair }, (_, k) => `${i}>${j}#${k}`), `order ${i}->${j}`);
      }
    });
    await Promise.all(peers.map((p) => p.leave()));
    assert.ok(await server.waitFor(() => server.spoolEntries().length === 0, 10_000), `left: ${server.spoolEntries()}`);
  });
});
