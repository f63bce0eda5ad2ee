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
  exchange,
  intact,
  leftoversOf,
  logsOf,
  ownerPid,
  sealedMessage,
  seqOf,
  sleep,
  tmpDirOf,
} from '../helpers/robustness';
import { httpGet, metricValue } from '../helpers/http-get';
import type { RawClient } from '../helpers/raw-client';
import { rawInGateway } from './fixture';
import { INBOX_MAX_BYTES, INBOX_MAX_FILES, MESSAGE_FILE, loadRigForSuite } from './load-rig';

const sizeOf = (file: string): number | null => {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
};

/** True when `work` finishes (a rejection is thrown) within `ms`. */
const settlesWithin = async (work: Promise<void>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
};

/** False once `pid` has exited (a zombie counts as exited). */
const isRunning = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

interface Queued {
  files: number;
  bytes: number;
}

/** The message files waiting in `inbox`, and their bytes. */
const queuedIn = (inbox: string): Queued => {
  const sizes = readdirSync(inbox)
    .filter((n) => MESSAGE_FILE.test(n))
    .map((n) => sizeOf(path.join(inbox, n)) ?? 0);
  return { files: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
};

describe('robustness: stuck and vanishing receivers, SIGKILL', { timeout: 300_000 }, () => {
  const { server, bystanders, peerOf, done, bystandersTalk } = loadRigForSuite();
  const droppedInboxFull = async (): Promise<number> =>
    metricValue((await httpGet(`http://127.0.0.1:${server.metricsPort}/metrics`)).body, 'tfgw_messages_dropped_total{reason="inbox_full"}');

  it('receivers that never read (no slow-receiver timeout): each inbox ends within one message of its file or byte bound, the rest is dropped and counted, the sender is never blocked, each catches up later', async (t) => {
    const droppedBefore = await droppedInboxFull();
    const sender = await peerOf('stuck-sender');
    const [p] = bystanders();
    // 64 KiB messages meet the file bound first, 512 KiB ones the byte bound.
    const stuckOnes: { id: string; size: number; rx: RawClient; sent: number; received: number }[] = [];
    for (const [id, size] of [
      ['stuck-files', 64 * 1024],
      ['stuck-bytes', 512 * 1024],
    ] as const) {
      const rx = await rawInGateway(server, id);
      rx.socket.pause();
      const inbox = path.join(server.spool, id);
      let sent = 0;
      for (let i = 0; i < 3000 && !existsSync(path.join(inbox, '.full')); i++) {
        await sender.send(id, sealedMessage(size, sent++));
        if (i % 20 === 19) await bystandersTalk();
      }
      assert.ok(existsSync(path.join(inbox, '.full')), `${id}: the inbox was marked full`);
      // Keep sending well past the bound: all of it is dropped, and the sender is not
      // blocked: its session handles every one of those frames, for a message it sends
      // after them reaches a third peer (within a deadline generous for a loaded host).
      const pastBound = (async () => {
        for (let i = 0; i < 60; i++) await sender.send(id, sealedMessage(size, sent++));
        await exchange(sender, p, `after flooding ${id}`);
      })();
      assert.ok(await settlesWithin(pastBound, 30_000), `${id}: the sender was blocked (${sent} sent)`);
      const within =
        size === 64 * 1024
          ? (q: Queued) => q.files <= INBOX_MAX_FILES + 1 && q.bytes < INBOX_MAX_BYTES
          : (q: Queued) => q.bytes <= INBOX_MAX_BYTES + size && q.files < INBOX_MAX_FILES;
      assert.ok(await server.waitFor(() => within(queuedIn(inbox))), `${id}: inbox holds ${JSON.stringify(queuedIn(inbox))}`);
      t.diagnostic(`${id}: sent ${sent} messages of ${size} bytes, inbox holds ${JSON.stringify(queuedIn(inbox))}`);
      stuckOnes.push({ id, size, rx, sent, received: 0 });
    }
    await bystandersTalk();
    // Without --slow-receiver-timeout nobody disconnects them.
    await sleep(1500);
    for (const { id, rx } of stuckOnes) {
      assert.equal(rx.closed, false, `${id} stays connected`);
      assert.ok(server.spoolEntries().includes(id));
    }
    // Reading again, each gets whole messages in send order, and new ones once the mark clears.
    for (const stuck of stuckOnes) {
      stuck.rx.socket.resume();
      const fullMark = path.join(server.spool, stuck.id, '.full');
      assert.ok(await server.waitFor(() => !existsSync(fullMark), 15_000), `${stuck.id}: the full mark clears`);
      await sender.send(stuck.id, 'caught up');
      let last = -1;
      for (;;) {
        const f = (await stuck.rx.next(15_000))!;
        if (f.toString() === 'caught up') break;
        assert.equal(f.length, stuck.size);
        assert.ok(intact(f), 'a corrupt delivery');
        assert.ok(seqOf(f) > last, 'send order');
        last = seqOf(f);
        stuck.received++;
      }
      assert.ok(stuck.received > 0 && stuck.received < stuck.sent, `${stuck.id}: received ${stuck.received} of ${stuck.sent}`);
    }
    // Every message that was not delivered was counted as dropped for a full inbox
    // (the counters reach /metrics with the run records' refresh).
    const lost = stuckOnes.reduce((n, s) => n + s.sent - s.received, 0);
    let counted = 0;
    for (const until = Date.now() + 15_000; Date.now() < until; await sleep(250)) {
      counted = (await droppedInboxFull()) - droppedBefore;
      if (counted >= lost) break;
    }
    assert.equal(counted, lost, 'tfgw_messages_dropped_total{reason="inbox_full"} counts each undelivered message');
    t.diagnostic(stuckOnes.map((s) => `${s.id}: ${s.received} of ${s.sent} delivered`).join('; '));
    for (const { id, rx } of stuckOnes) {
      rx.signal(-1);
      rx.send('ECHO bye');
      assert.equal(await rx.text(), 'bye');
      rx.send('END');
      await rx.closedPromise;
      assert.ok(await server.waitFor(() => !server.spoolEntries().includes(id)));
    }
    await done(sender);
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
    const tmpDir = tmpDirOf(server, pid);
    assert.ok(tmpDir !== null, 'the sending session has its temporary directory');
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
    // The listener, which reaps a dead session's files, is stopped first, so that what the
    // dead inbox holds can be read before anything clears it.
    const listener = server.child.pid!;
    const stranded = new Set<number>();
    process.kill(listener, 'SIGSTOP');
    try {
      process.kill(pid, 'SIGKILL');
      assert.ok(await server.waitFor(() => !isRunning(pid)), 'the session process died');
      for (const name of readdirSync(claimDir).filter((n) => MESSAGE_FILE.test(n))) {
        stranded.add(seqOf(readFileSync(path.join(claimDir, name))));
      }
    } finally {
      process.kill(listener, 'SIGCONT');
    }
    assert.ok(stranded.size > 0, 'the dead inbox held undelivered files');
    await receiver.leave().catch(() => {});
    assert.ok(await server.waitFor(() => leftoversOf(server, pid).length === 0), `left behind: ${leftoversOf(server, pid)}`);
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('dying-rx')));
    assert.ok(await server.waitFor(() => !existsSync(claimDir)), 'the dead inbox and its files are removed');
    assert.match(server.logs(), new RegExp(`session process ended abnormally session=${pid} .*signal=SIGKILL`));
    assert.ok(got.length >= 10);
    t.diagnostic(
      `${got.length} whole messages received of ${i} sent; ${stranded.size} left in its inbox by the kill`,
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
