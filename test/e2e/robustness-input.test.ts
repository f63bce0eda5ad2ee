/**
 * docs/ROBUSTNESS.md, bad input: every row of the table about what a single
 * client sends, over TCP against the real server. A pair of bystanders stays in
 * the gateway throughout; after each row they still exchange messages, and the
 * offender's session process is no longer busy, its identity (if any) is gone.
 */
import assert from 'node:assert/strict';
import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { GatewayPeer } from '../../src/client';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import { encodeFrame } from '../../src/protocol/frame';
import { RawClient } from '../helpers/raw-client';
import {
  busyClients,
  exchange,
  fdCount,
  bytesReadBy,
  idlePids,
  logsOf,
  recordServing,
  sealedMessage,
  sessionPids,
  sleep,
} from '../helpers/robustness';
import { peerOf, rawInGateway, serverForSuite } from './fixture';

const seal = (publicKey: string, key: Buffer) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key);

/** A 4-byte big-endian header with no payload, unenciphered. */
const plainHeader = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

type Step = 'version' | 'key' | 'hash' | 'command' | 'identity' | 'destination' | 'message';
const STEPS: Step[] = ['version', 'key', 'hash', 'command', 'identity', 'destination', 'message'];

describe('robustness: bad input', { timeout: 300_000 }, () => {
  // A short handshake timeout for the row that stalls before the hash; nothing else comes near it.
  const server = serverForSuite(['--handshake-timeout', '2000']);
  let a: GatewayPeer;
  let b: GatewayPeer;
  let round = 0;
  let listenerFds = 0;
  let freshSessionFds = 0;

  before(async () => {
    // Descriptors of session processes that have served nobody yet.
    await server.waitFor(() => idlePids(server).length >= 4);
    freshSessionFds = Math.max(...idlePids(server).map(fdCount));
    a = await peerOf(server, 'by-a');
    b = await peerOf(server, 'by-b');
    listenerFds = fdCount(server.child.pid!);
  });

  /** The bystanders still talk, both ways. */
  const bystandersTalk = async () => {
    round++;
    await exchange(a, b, `a->b ${round}`);
    await exchange(b, a, `b->a ${round}`);
  };

  /** The offender's session is over (its process went back to waiting) and left nothing in the spool. */
  const offenderGone = async (port: number, identity?: string) => {
    const client = `127.0.0.1:${port}`;
    assert.ok(await server.waitFor(() => !busyClients(server).includes(client)), `session of ${client} still busy`);
    if (identity) {
      assert.ok(await server.waitFor(() => !server.spoolEntries().includes(identity)), `${identity} still in the spool`);
    }
    assert.deepEqual(server.spoolEntries().sort(), ['by-a', 'by-b']);
  };

  const endedWith = async (port: number, pattern: RegExp) => {
    assert.ok(await server.waitFor(() => pattern.test(logsOf(server, port))), `log for :${port}:\n${logsOf(server, port)}`);
  };

  /** Opens a connection and runs the connection sequence up to `step`; returns the frame that step expects. */
  const openAt = async (step: Step): Promise<{ raw: RawClient; frame: Buffer; identity?: string }> => {
    const raw = await RawClient.open(server.port);
    if (step === 'version') return { raw, frame: encodeFrame('0.0', null) };
    raw.send('0.0');
    assert.equal(await raw.text(), 'OK');
    const key = randomBytes(32);
    if (step === 'key') return { raw, frame: encodeFrame(seal(server.publicKey, key), null) };
    raw.send(seal(server.publicKey, key));
    assert.equal(await raw.text(), 'OK');
    raw.tx = new StreamCipher(key);
    raw.reader.cipher = new StreamCipher(key);
    if (step === 'hash') return { raw, frame: encodeFrame(server.hash, raw.tx) };
    raw.send(server.hash);
    assert.equal(await raw.text(), 'OK');
    if (step === 'command') return { raw, frame: encodeFrame('ECHO cut short', raw.tx) };
    raw.send('XS_GATEWAY');
    assert.equal(await raw.text(), 'OK');
    if (step === 'identity') return { raw, frame: encodeFrame('half-identity', raw.tx) };
    const identity = `cut-${step}-${randomBytes(3).toString('hex')}`;
    raw.send(identity);
    assert.equal(await raw.text(), 'OK');
    assert.ok(server.spoolEntries().includes(identity));
    if (step === 'destination') return { raw, frame: encodeFrame('by-b', raw.tx), identity };
    raw.send('by-b');
    return { raw, frame: encodeFrame(sealedMessage(4096), raw.tx), identity };
  };

  for (const step of STEPS) {
    for (const cut of ['half a header', 'half a payload'] as const) {
      it(`truncated frame at the ${step} step (${cut}, then close): the session ends, nothing is left`, async () => {
        const { raw, frame, identity } = await openAt(step);
        const port = raw.socket.localPort!;
        const length = cut === 'half a header' ? 2 : 4 + Math.floor((frame.length - 4) / 2);
        raw.raw(frame.subarray(0, length));
        raw.socket.end();
        await raw.closedPromise;
        await endedWith(port, /session ended .*reason="client disconnected mid-frame"/);
        await offenderGone(port, identity);
        await bystandersTalk();
      });
    }
  }

  it('a version frame declaring 2 GiB: FAILED 2 and a close, nothing read after the header', async () => {
    const raw = await RawClient.open(server.port);
    const port = raw.socket.localPort!;
    // The process serving this connection, and what it had read before.
    const client = `127.0.0.1:${port}`;
    assert.ok(await server.waitFor(() => recordServing(server, client) !== null), 'a run record names the client');
    const pid = recordServing(server, client)!.pid;
    const readBefore = bytesReadBy(server, pid);
    raw.raw(plainHeader(2 ** 31 - 1));
    // The body's first 8 MiB really follow: the session must answer and close, not buffer them.
    const chunk = randomBytes(1024 * 1024);
    for (let i = 0; i < 8; i++) raw.raw(chunk);
    assert.equal(await raw.text(), 'FAILED 2 : Incompatible protocol.');
    await raw.closedPromise;
    assert.equal(await raw.next(), null);
    await endedWith(port, /protocol violation, closing .*frame of 2147483647 bytes exceeds the limit in phase version/);
    await offenderGone(port);
    // Its counters reach its run record within a refresh tick (the process may retire after):
    // the most it is seen to have read is a little of the body at most, not the 8 MiB.
    let mostRead = readBefore;
    for (let i = 0; i < 30; i++) {
      mostRead = Math.max(mostRead, bytesReadBy(server, pid));
      await sleep(100);
    }
    const read = mostRead - readBefore;
    assert.ok(read >= 4 && read < 1024 * 1024, `the session read ${read} bytes of the 8 MiB body`);
    await bystandersTalk();
  });

  it('key blobs that cannot be a 16..214-byte OAEP session key: FAILED 25 and a close', async () => {
    const blobs: [string, Buffer][] = [
      ['random 256 bytes (not RSA-OAEP)', randomBytes(256)],
      ['a sealed 15-byte key', seal(server.publicKey, randomBytes(15))],
      ['5 bytes', Buffer.from('short')],
    ];
    for (const [what, blob] of blobs) {
      const raw = await RawClient.open(server.port);
      const port = raw.socket.localPort!;
      raw.send('0.0');
      assert.equal(await raw.text(), 'OK');
      raw.send(blob);
      assert.equal(await raw.text(), 'FAILED 25 : Bad public rsa encryption key.', what);
      await raw.closedPromise;
      await endedWith(port, /protocol violation, closing .*reason="bad session key"/);
      await offenderGone(port);
    }
    // 215 bytes are refused by construction: RSA-2048 OAEP (SHA-1) holds at most
    // 214 bytes, so no 256-byte blob decrypts to a longer key; it cannot even be sealed.
    assert.throws(() => seal(server.publicKey, randomBytes(215)));
    await bystandersTalk();
  });

  it('a wrong hash, and a command sent in place of the hash: FAILED 3 and a close', async () => {
    for (const hash of [`${server.hash}x`, 'ECHO x']) {
      const raw = await RawClient.open(server.port);
      const port = raw.socket.localPort!;
      raw.send('0.0');
      assert.equal(await raw.text(), 'OK');
      const key = randomBytes(32);
      raw.send(seal(server.publicKey, key));
      assert.equal(await raw.text(), 'OK');
      raw.tx = new StreamCipher(key);
      raw.reader.cipher = new StreamCipher(key);
      raw.send(hash);
      assert.equal(await raw.text(), 'FAILED 3 : Invalid hash string.', hash);
      await raw.closedPromise;
      await endedWith(port, /protocol violation, closing .*reason="invalid hash string"/);
      await offenderGone(port);
    }
    await bystandersTalk();
  });

  for (const [label, send] of [
    ['0', (raw: RawClient) => raw.send(Buffer.alloc(0))],
    ['-5', (raw: RawClient) => raw.signal(-5)],
  ] as const) {
    it(`identity length ${label}: FAILED 1 : Access denied to location., back at the command interface`, async () => {
      const raw = await RawClient.open(server.port);
      const port = raw.socket.localPort!;
      await raw.handshake(server.publicKey, server.hash);
      raw.send('XS_GATEWAY');
      assert.equal(await raw.text(), 'OK');
      send(raw);
      assert.equal(await raw.text(), 'FAILED 1 : Access denied to location.');
      raw.send('ECHO still here');
      assert.equal(await raw.text(), 'still here');
      assert.deepEqual(server.spoolEntries().sort(), ['by-a', 'by-b']);
      raw.send('END');
      await raw.closedPromise;
      await offenderGone(port);
      await bystandersTalk();
    });
  }

  for (const length of [524288, 2 ** 31 - 1]) {
    it(`identity length ${length}: protocol violation, the connection is closed`, async () => {
      const raw = await RawClient.open(server.port);
      const port = raw.socket.localPort!;
      await raw.handshake(server.publicKey, server.hash);
      raw.send('XS_GATEWAY');
      assert.equal(await raw.text(), 'OK');
      raw.signal(length);
      assert.equal(await raw.next(), null, 'no reply, only the close');
      await endedWith(port, new RegExp(`frame of ${length} bytes exceeds the limit in phase gw-identity`));
      await offenderGone(port);
      await bystandersTalk();
    });
  }

  for (const length of [0, -2]) {
    it(`destination length ${length}: ignored, the next destination and message go through`, async () => {
      const raw = await rawInGateway(server, `dst-${length}`);
      const port = raw.socket.localPort!;
      raw.signal(length);
      raw.signal(length);
      raw.send('by-b');
      raw.send(`after destination ${length}`);
      assert.deepEqual(await b.receive(1), [Buffer.from(`after destination ${length}`)]);
      raw.signal(-1);
      raw.send('ECHO out');
      assert.equal(await raw.text(), 'out');
      raw.send('END');
      await raw.closedPromise;
      await offenderGone(port, `dst-${length}`);
      await bystandersTalk();
    });
  }

  it('destination length 524288: protocol violation, closed, identity released', async () => {
    const raw = await rawInGateway(server, 'dst-big');
    const port = raw.socket.localPort!;
    raw.signal(524288);
    assert.equal(await raw.next(), null);
    await endedWith(port, /frame of 524288 bytes exceeds the limit in phase gw-destination/);
    await offenderGone(port, 'dst-big');
    await bystandersTalk();
  });

  for (const length of [-1, -2, 524289]) {
    it(`message length ${length}: protocol violation, closed, identity released, nothing delivered`, async () => {
      const raw = await rawInGateway(server, `msg-${length}`);
      const port = raw.socket.localPort!;
      raw.send('by-b');
      raw.signal(length);
      assert.equal(await raw.next(), null);
      const reason =
        length < 0
          ? new RegExp(`gateway message length ${length} is out of range`)
          : /frame of 524289 bytes exceeds the limit in phase gw-message/;
      await endedWith(port, reason);
      await offenderGone(port, `msg-${length}`);
      // bystandersTalk checks that the next thing b receives is a's message: nothing came from the offender.
      await bystandersTalk();
    });
  }

  it('a header and then nothing (after the hash, default config): the connection stays open, others are served', async () => {
    const raw = await RawClient.open(server.port);
    const port = raw.socket.localPort!;
    await raw.handshake(server.publicKey, server.hash);
    raw.raw(encodeFrame('ECHO never finished', raw.tx).subarray(0, 4));
    // No idle timeout by default: the session waits for the payload as long as the client stays.
    for (let i = 0; i < 5; i++) {
      await sleep(300);
      await bystandersTalk();
    }
    assert.equal(raw.closed, false);
    assert.ok(busyClients(server).includes(`127.0.0.1:${port}`));
    const other = await server.connect();
    assert.equal(await other.command('ECHO served'), 'served');
    await other.end();
    raw.socket.end();
    await raw.closedPromise;
    await endedWith(port, /session ended .*reason="client disconnected mid-frame"/);
    await offenderGone(port);
  });

  it('a header and then nothing before the hash: closed at the handshake timeout', async () => {
    const raw = await RawClient.open(server.port);
    const port = raw.socket.localPort!;
    raw.send('0.0');
    assert.equal(await raw.text(), 'OK');
    raw.raw(plainHeader(256));
    await bystandersTalk();
    assert.equal(await raw.next(10_000), null, 'closed without a reply');
    await endedWith(port, /session ended .*reason="handshake timed out"/);
    await offenderGone(port);
    await bystandersTalk();
  });

  it('afterwards: only the bystanders are busy, the listener and the session processes hold no more descriptors', async (t) => {
    assert.ok(await server.waitFor(() => busyClients(server).length === 2), `busy: ${busyClients(server)}`);
    assert.deepEqual(server.spoolEntries().sort(), ['by-a', 'by-b']);
    assert.equal(server.spoolInternals().filter((e) => e.startsWith('.inboxes/')).length, 2);
    assert.equal(server.spoolInternals().filter((e) => e.startsWith('.locks/')).length, 0);
    assert.equal(fdCount(server.child.pid!), listenerFds);
    // Every waiting session process, however many of the connections above it served, holds
    // what a fresh one does, plus at most the inotify instance its first gateway stay opened
    // (the event loop keeps that one for the life of the process).
    const idle = idlePids(server).filter((pid) => sessionPids(server).includes(pid));
    assert.ok(idle.length > 0);
    const counts = idle.map((pid) => `${pid}:${fdCount(pid)}`).join(' ');
    t.diagnostic(`descriptors: fresh session process ${freshSessionFds}, waiting ones now ${counts}`);
    for (const pid of idle) assert.ok(fdCount(pid) <= freshSessionFds + 1, `descriptors of idle session processes: ${counts}`);
    assert.doesNotMatch(server.logs(), /session crashed|ended abnormally/);
  });
});
