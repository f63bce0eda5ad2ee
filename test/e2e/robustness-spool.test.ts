/**
 * docs/ROBUSTNESS.md, the spool's file system failing under a running server: full
 * (ENOSPC), read-only (EROFS), deleted. The spool lives on a small tmpfs of its own,
 * which needs root (mount); without it the suite is skipped and says why. Root
 * ignores permission bits, so "read-only" is a read-only remount, not a chmod.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type GatewayPeer, type TfClient, connect } from '../../src/client';
import { httpGet } from '../helpers/http-get';
import type { RawClient } from '../helpers/raw-client';
import { exchange, idlePids, sealedMessage, sessionPids, sleep } from '../helpers/robustness';
import { type ServerHandle, startServer } from '../helpers/tfgw-server';
import { peerOf, rawInGateway } from './fixture';

const MOUNT = mkdtempSync(path.join(os.tmpdir(), 'tfgw-robust-fs-'));
let mountProblem: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tfgw-robust', MOUNT], { stdio: 'pipe' });
} catch (err) {
  const why = String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0];
  mountProblem = `mounting a 2 MiB tmpfs for the spool is not permitted here (${why}); these rows need root`;
  rmdirSync(MOUNT);
}

const SPOOL = path.join(MOUNT, 'spool');
const freeBytes = () => {
  const s = statfsSync(MOUNT);
  return s.bavail * s.bsize;
};
const remount = (mode: 'ro' | 'rw') =>
  execFileSync('mount', ['-o', `remount,${mode}`, MOUNT], { stdio: 'pipe', timeout: 10_000 });
const queueFailures = (server: ServerHandle) => (server.logs().match(/message could not be queued/g) ?? []).length;

describe('robustness: the spool file system fails', { skip: mountProblem ?? false, timeout: 300_000 }, () => {
  let server: ServerHandle;
  let a: GatewayPeer;
  let b: GatewayPeer;
  let round = 0;
  const clients: TfClient[] = [];

  before(async () => {
    server = await startServer(['--spool', SPOOL, '--metrics-listen', '127.0.0.1:0']);
    a = await peerOf(server, 'fs-a');
    b = await peerOf(server, 'fs-b');
  });
  after(async () => {
    hog?.close();
    for (const c of clients) c.close();
    await server?.stop();
    try {
      remount('rw');
    } catch {
      // Not mounted read-only.
    }
    execFileSync('umount', [MOUNT], { stdio: 'pipe' });
    rmdirSync(MOUNT);
  });

  const bystandersTalk = async () => {
    round++;
    await exchange(a, b, `a->b ${round}`);
    await exchange(b, a, `b->a ${round}`);
  };
  const health = async () => {
    const res = await httpGet(`http://127.0.0.1:${server.metricsPort}/healthz`);
    return { status: res.status, ...(JSON.parse(res.body) as { ok: boolean; detail: { spoolWritable: boolean } }) };
  };
  const newClient = async (timeoutMs = 5000) => {
    const c = await connect({
      host: '127.0.0.1',
      port: server.port,
      version: '0.0',
      publicKey: server.publicKey,
      hash: server.hash,
      timeoutMs,
    });
    clients.push(c);
    return c;
  };
  const noMessageFor = async (peer: GatewayPeer, ms: number) => {
    let got: Buffer | null = null;
    const onMessage = (m: Buffer) => {
      got = m;
    };
    peer.on('message', onMessage);
    await sleep(ms);
    peer.off('message', onMessage);
    return got === null && peer.buffered === 0;
  };

  // The full-file-system rows share a hog (a receiver that does not read) and a filler (its sender).
  let hog: RawClient | null = null;
  let fillerClient: TfClient;
  let filler: GatewayPeer;
  let claimant: TfClient;

  it('full (ENOSPC): sends are dropped and logged, claims get FAILED 1, nobody crashes', { timeout: 60_000 }, async () => {
    hog = await rawInGateway(server, 'hog');
    hog.socket.pause();
    fillerClient = await newClient();
    filler = await fillerClient.enterGateway('filler');
    claimant = await newClient();
    // Large messages while they fit, then smaller ones, until not a page is free, and it stays so
    // (the hog's socket buffers take a few more deliveries before its session stops handing files over).
    let fullSince = 0;
    for (let i = 0; i < 5000; i++) {
      if (freeBytes() < 4096) {
        fullSince ||= Date.now();
        if (Date.now() - fullSince > 1000) break;
        await sleep(50);
        continue;
      }
      fullSince = 0;
      await filler.send('hog', sealedMessage(Math.min(256 * 1024, Math.max(1024, freeBytes() / 2)), i));
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(freeBytes() < 4096, `free: ${freeBytes()} bytes`);
    // The fill may end exactly at zero without any write failing; this one cannot fit.
    await filler.send('hog', sealedMessage(64 * 1024, 5000));
    assert.ok(await server.waitFor(() => /message could not be queued .*ENOSPC/.test(server.logs())));
    // Everyone shares the spool: a's message is dropped as well, b gets nothing, a's connection stays.
    const failures = queueFailures(server);
    await a.send('fs-b', 'no room');
    assert.ok(await server.waitFor(() => queueFailures(server) > failures), 'the failure is logged');
    assert.ok(await noMessageFor(b, 300));
    // A new identity cannot be claimed (its owner record does not fit); the client stays usable.
    await assert.rejects(claimant.enterGateway('fs-c'), /FAILED 1 : Internal error occurred\./);
    assert.equal(await claimant.command('ECHO usable'), 'usable');
    // /healthz checks that the spool is writable, not that it has room.
    assert.equal((await health()).status, 200);
    // No half-written message was left in any temporary directory.
    const tmpFiles = readdirSync(path.join(SPOOL, '.tmp')).flatMap((d) =>
      readdirSync(path.join(SPOOL, '.tmp', d)).filter((n) => /^\d{13}-/.test(n)),
    );
    assert.deepEqual(tmpFiles, []);
    assert.equal(a.state, 'open');
    assert.equal(filler.state, 'open');
    assert.doesNotMatch(server.logs(), /session crashed|ended abnormally/);
    assert.equal(server.child.exitCode, null);
  });

  it('full (ENOSPC): new connections are still answered (more of them than there are session processes)', { timeout: 60_000 }, async () => {
    const processes = sessionPids(server).length;
    for (let i = 0; i < processes + 2; i++) {
      const c = await newClient(8000);
      assert.equal(await c.command(`ECHO n${i}`), `n${i}`);
    }
  });

  it('full (ENOSPC), then space frees as the hog leaves: messages and claims work again', { timeout: 60_000 }, async () => {
    hog?.close();
    hog = null;
    assert.ok(await server.waitFor(() => !server.spoolEntries().includes('hog')));
    assert.ok(await server.waitFor(() => freeBytes() > 1024 * 1024), `free: ${freeBytes()}`);
    await bystandersTalk();
    await filler.send('fs-b', 'filler recovered');
    assert.deepEqual(await b.receive(1), [Buffer.from('filler recovered')]);
    const cPeer = await claimant.enterGateway('fs-c');
    await exchange(cPeer, a, 'c is in');
    await cPeer.leave();
    await filler.leave();
    await claimant.end();
    await fillerClient.end();
    assert.ok(await server.waitFor(() => server.spoolEntries().sort().join() === 'fs-a,fs-b'));
    assert.doesNotMatch(server.logs(), /session crashed|ended abnormally/);
  });

  it('read-only (remount,ro): sends dropped and logged, claims get FAILED 1, /healthz 503; all recover on remount,rw', { timeout: 60_000 }, async () => {
    const c = await newClient();
    remount('ro');
    try {
      const failures = queueFailures(server);
      await a.send('fs-b', 'read-only');
      assert.ok(await server.waitFor(() => queueFailures(server) > failures));
      assert.match(server.logs(), /message could not be queued .*EROFS/);
      assert.ok(await noMessageFor(b, 300));
      await assert.rejects(c.enterGateway('fs-ro'), /FAILED 1 : Internal error occurred\./);
      assert.equal(await c.command('ECHO usable'), 'usable');
      const h = await health();
      assert.equal(h.status, 503);
      assert.equal(h.ok, false);
      assert.equal(h.detail.spoolWritable, false);
    } finally {
      remount('rw');
    }
    assert.equal((await health()).status, 200);
    await bystandersTalk();
    const peer = await c.enterGateway('fs-ro');
    await exchange(a, peer, 'after rw');
    await peer.leave();
    await c.end();
    assert.ok(await server.waitFor(() => server.spoolEntries().sort().join() === 'fs-a,fs-b'));
    assert.doesNotMatch(server.logs(), /session crashed|ended abnormally/);
  });

  let processesBeforeDelete = 0;
  let spare: TfClient;
  it('deleted: sends are dropped, a claim gets OK or FAILED 1, /healthz is 503 while the directories are missing; connections stay', { timeout: 60_000 }, async () => {
    const c = await newClient();
    spare = await newClient();
    assert.ok(await server.waitFor(() => idlePids(server).length > 0));
    processesBeforeDelete = sessionPids(server).length;
    // Moved aside in one step, then removed: the running processes rewrite their run records all the
    // time, so a recursive delete in place can meet a file made after it listed a directory.
    const gone = `${SPOOL}.gone`;
    renameSync(SPOOL, gone);
    rmSync(gone, { recursive: true, force: true, maxRetries: 5 });
    // /healthz never says 200 while the spool's directories are missing (the server may make them again).
    const h = await health();
    const dirsBack = ['.inboxes', '.locks', '.tmp', '.run'].every((d) => existsSync(path.join(SPOOL, d)));
    assert.ok(h.status === 503 || dirsBack, `/healthz ${h.status} with the directories ${dirsBack ? 'back' : 'missing'}`);
    if (h.status === 503) assert.equal(h.detail.spoolWritable, false);
    // b's inbox went with the directory: nothing reaches b, and a's connection stays.
    await a.send('fs-b', 'into the void');
    assert.ok(await noMessageFor(b, 300));
    // A claim is refused with the internal-error reply, or succeeds on directories made again; never anything else.
    try {
      const peer = await c.enterGateway('fs-gone');
      await peer.leave();
    } catch (err) {
      assert.match((err as Error).message, /FAILED 1 : Internal error occurred\./);
    }
    assert.equal(await c.command('ECHO usable'), 'usable');
    // b leaves the gateway and is back at the command interface, in step.
    await b.leave();
    await a.send('fs-b', 'still nowhere');
    assert.equal(a.state, 'open');
    assert.doesNotMatch(server.logs(), /session crashed|ended abnormally/);
  });

  it('deleted: new connections are still served at the command interface (more of them than there were session processes)', { timeout: 60_000 }, async () => {
    for (let i = 0; i < processesBeforeDelete + 2; i++) {
      const c = await newClient(8000);
      assert.equal(await c.command(`ECHO n${i}`), `n${i}`);
    }
  });

  it('deleted, then made again by the operator: once /healthz says 200, identities can be claimed and messages flow', { timeout: 60_000 }, async () => {
    mkdirSync(SPOOL, { recursive: true, mode: 0o700 });
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await health()).status;
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200);
    const x = await spare.enterGateway('fs-again');
    await a.send('fs-again', 'back');
    assert.deepEqual(await x.receive(1), [Buffer.from('back')]);
  });
});
