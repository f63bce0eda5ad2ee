/**
 * docs/ROBUSTNESS.md, receivers that misbehave or die: one that never reads,
 * one that vanishes with a full inbox, session processes killed with SIGKILL
 * while sending and while delivering. Messages carry their own checksum, so a
 * partial one would show. Floods and in-flight leaves are in robustness-load.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  busyClients,
  intact,
  leftoversOf,
  logsOf,
  ownerPid,
  sealedMessage,
  seqOf,
  sleep,
} from '../helpers/robustness';
import { rawInGateway } from './fixture';
import { INBOX_MAX_FILES, MESSAGE_FILE, loadRigForSuite } from './load-rig';

const sizeOf = (file: string): number | null => {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
};

describe('robustness: stuck and vanishing receivers, SIGKILL', { timeout: 300_000 }, () => {
  const { server, bystanders, peerOf, done, bystandersTalk } = loadRigForSuite();

  it('a receiver that never reads (no slow-receiver timeout): its inbox stays bounded, the sender and others carry on, it catches up later', async (t) => {
    const stuck = await rawInGateway(server, 'stuck');
    stuck.socket.pause();
    const sender = await peerOf('stuck-sender');
    const inbox = path.join(server.spool, 'stuck');
    const fullMark = path.join(inbox, '.full');
    let marked = false;
    let sent = 0;
    for (let i = 0; i < 3000 && !marked; i++) {
      await sender.send('stuck', sealedMessage(64 * 1024, sent++));
      marked = existsSync(fullMark);
      if (i % 20 === 19) await bystandersTalk();
    }
    assert.ok(marked, 'the inbox was marked full');
    // Keep sending well past the bound: everything more is dropped, the sender is never blocked.
    for (let i = 0; i < 100; i++) await sender.send('stuck', sealedMessage(64 * 1024, sent++));
    await sleep(300);
    const queued = readdirSync(inbox).filter((n) => MESSAGE_FILE.test(n)).length;
    assert.ok(queued <= 2 * INBOX_MAX_FILES, `inbox bounded: ${queued} files`);
    await bystandersTalk();
    // Without --slow-receiver-timeout nobody disconnects it.
    await sleep(1500);
    assert.equal(stuck.closed, false);
    assert.ok(server.spoolEntries().includes('stuck'));
    // Reading again, it gets whole messages in send order, and new ones once the mark clears.
    stuck.socket.resume();
    assert.ok(await server.waitFor(() => !existsSync(fullMark), 15_000), 'the full mark clears');
    await sender.send('stuck', 'caught up');
    let last = -1;
    let received = 0;
    for (;;) {
      const f = (await stuck.next(15_000))!;
      if (f.toString() === 'caught up') break;
      assert.ok(intact(f), 'a corrupt delivery');
      assert.ok(seqOf(f) > last, 'send order');
      last = seqOf(f);
      received++;
    }
    assert.ok(received > 0 && received < sent, `received ${received} of ${sent}`);
    t.diagnostic(`sent ${sent}, inbox held ${queued} files at most, ${received} delivered after it read again`);
    stuck.signal(-1);
    stuck.send('ECHO bye');
    assert.equal(await stuck.text(), 'bye');
    stuck.send('END');
    await stuck.closedPromise;
    await done(sender);
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('stuck')));
    await bystandersTalk();
  });

  it('a receiver that disconnects while its inbox holds files: the inbox and its files are removed', async () => {
    const rx = await rawInGateway(server, 'vanishing');
    const port = rx.socket.localPort!;
    rx.socket.pause();
    const claimDir = path.join(server.spool, readlinkSync(path.join(server.spool, 'vanishing')));
    const sender = await peerOf('vanish-sender');
    // Its socket backs up, its session stops handing files over, and they stay in the inbox
    // until it is marked full (the session is no longer draining it then).
    for (let i = 0; i < 3000 && !existsSync(path.join(claimDir, '.full')); i++) {
      await sender.send('vanishing', sealedMessage(64 * 1024, i));
    }
    const queued = readdirSync(claimDir).filter((n) => MESSAGE_FILE.test(n));
    assert.ok(queued.length >= INBOX_MAX_FILES, `files queued: ${queued.length}`);
    const seen = new Set(queued);
    rx.close();
    await rx.closedPromise;
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('vanishing')), 'identity link removed');
    assert.ok(await server.waitFor(() => !existsSync(claimDir)), 'inbox removed');
    assert.ok(
      await server.waitFor(() => /left gateway .*identity=vanishing undelivered=[1-9]/.test(logsOf(server, port))),
      logsOf(server, port),
    );
    // None of the queued files survives anywhere in the spool.
    const everywhere = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? everywhere(path.join(dir, e.name)) : [e.name],
      );
    assert.deepEqual(
      everywhere(server.spool).filter((n) => seen.has(n)),
      [],
    );
    await sender.send('vanishing', 'lost: nobody holds it');
    await done(sender);
    await bystandersTalk();
  });

  it('a session process killed with SIGKILL mid-send: the receiver gets only whole messages, the killed pid leaves nothing', async (t) => {
    const receiver = await peerOf('kill-rx', { buffer: false });
    const got: Buffer[] = [];
    receiver.on('message', (m) => got.push(m));
    const sender = await peerOf('kill-tx');
    const pid = ownerPid(server, 'kill-tx');
    let sent = 0;
    const sending = (async () => {
      for (let i = 0; i < 5000; i++) {
        await sender.send('kill-rx', sealedMessage(256 * 1024, i));
        sent++;
        await new Promise((r) => setImmediate(r));
      }
    })().catch(() => {});
    assert.ok(await server.waitFor(() => got.length >= 10, 15_000), 'messages flow before the kill');
    // Kill it the moment a message file sits in its temporary directory (being written,
    // or written and not yet renamed into the inbox): poll in short synchronous bursts,
    // letting the client push more between them.
    // tfgw's staging directory is `.tmp/<node>.<pid>` (docs/SPOOL.md §7.1).
    const tmpDir = path.join(server.spool, '.tmp', readdirSync(path.join(server.spool, '.tmp')).find((n) => n.endsWith(`.${pid}`)) ?? String(pid));
    let caught: string | null = null;
    for (let burst = 0; caught === null && burst < 300; burst++) {
      for (const until = Date.now() + 10; caught === null && Date.now() < until; ) {
        let names: string[] = [];
        try {
          names = readdirSync(tmpDir);
        } catch {
          // Not made yet.
        }
        caught = names.find((n) => MESSAGE_FILE.test(n)) ?? null;
        if (caught !== null) process.kill(pid, 'SIGKILL');
      }
      // Let the client push more for the session to write.
      await new Promise((r) => setImmediate(r));
    }
    if (caught === null) process.kill(pid, 'SIGKILL');
    const caughtSize = caught === null ? -1 : (sizeOf(path.join(tmpDir, caught)) ?? -1);
    await sending;
    assert.ok(await server.waitFor(() => leftoversOf(server, pid).length === 0), `left behind: ${leftoversOf(server, pid)}`);
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('kill-tx')));
    const [p] = bystanders();
    await p.send('kill-rx', 'after the kill');
    assert.ok(await server.waitFor(() => got.at(-1)?.toString() === 'after the kill'), 'the receiver still receives');
    got.pop();
    let last = -1;
    for (const m of got) {
      assert.equal(m.length, 256 * 1024);
      assert.ok(intact(m), 'a corrupt delivery');
      assert.ok(seqOf(m) > last, 'send order');
      last = seqOf(m);
    }
    assert.ok(got.length < 5000);
    t.diagnostic(
      `${got.length} whole messages received of ${sent} sent; at the kill ${caught ?? 'no file'} was in its temporary directory (${caughtSize} bytes)`,
    );
    assert.ok(caught !== null, 'the kill landed while a message file was in the temporary directory');
    assert.match(server.logs(), new RegExp(`session process ended abnormally session=${pid} .*signal=SIGKILL`));
    await done(receiver);
    await bystandersTalk();
  });

  it('a session process killed with SIGKILL mid-delivery: the client got only whole messages, the inbox with the rest is cleared', async (t) => {
    const rxClient = await server.connect();
    const receiver = await rxClient.enterGateway('dying-rx', { buffer: false });
    const got: Buffer[] = [];
    receiver.on('message', (m) => got.push(m));
    receiver.on('end', () => {});
    const pid = ownerPid(server, 'dying-rx');
    const claimDir = path.join(server.spool, readlinkSync(path.join(server.spool, 'dying-rx')));
    const sender = await peerOf('dying-tx');
    const queued = () => readdirSync(claimDir).filter((n) => MESSAGE_FILE.test(n)).length;
    let i = 0;
    while ((got.length < 10 || queued() < 3) && i < 5000) {
      await sender.send('dying-rx', sealedMessage(256 * 1024, i++));
      // Let this process read its deliveries too (a tight send loop would starve the receiving socket).
      await new Promise((r) => setImmediate(r));
    }
    // Deliveries are under way: the client is reading them as they are written, more wait in the inbox.
    const queuedAtKill = queued();
    process.kill(pid, 'SIGKILL');
    // What the dead inbox holds (read before the listener clears it, as far as it gets) must never be delivered.
    const stranded = new Set<number>();
    for (const name of readdirSync(claimDir).filter((n) => MESSAGE_FILE.test(n))) {
      try {
        stranded.add(seqOf(readFileSync(path.join(claimDir, name))));
      } catch {
        // Cleared already.
      }
    }
    await receiver.leave().catch(() => {});
    assert.ok(await server.waitFor(() => leftoversOf(server, pid).length === 0), `left behind: ${leftoversOf(server, pid)}`);
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('dying-rx')));
    assert.equal(existsSync(claimDir), false);
    assert.ok(got.length >= 10);
    t.diagnostic(
      `${got.length} whole messages received of ${i} sent; ${queuedAtKill} queued in the inbox at the kill, ${stranded.size} read back from it`,
    );
    for (const m of got) {
      assert.equal(m.length, 256 * 1024);
      assert.ok(intact(m), 'a corrupt delivery');
    }
    // The sender goes on. A new holder of the identity may get what the sender's session had
    // not yet relayed when it claimed, but nothing of the dead inbox, and nothing partial.
    await sender.send('dying-rx', 'lost');
    const again = await peerOf('dying-rx');
    await sender.send('dying-rx', 'fresh');
    for (;;) {
      const [m] = await again.receive(1);
      if (m!.toString() === 'fresh') break;
      if (m!.toString() === 'lost') continue;
      assert.ok(intact(m!), 'a corrupt delivery to the new holder');
      assert.ok(!stranded.has(seqOf(m!)), `message ${seqOf(m!)} came out of the dead inbox`);
    }
    await done(again);
    await done(sender);
    await bystandersTalk();
    assert.ok(
      await server.waitFor(() => busyClients(server).length === 2),
      `busy: ${busyClients(server)}\n${busyClients(server)
        .map((c) => logsOf(server, Number(c.split(':')[1])))
        .join('\n')}`,
    );
  });
});
