import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { type Server, type Socket, connect as connectSocket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TfReplyError, connect } from '../../src/client';
import { Logger } from '../../src/log/logger';
import { Connection } from '../../src/session/connection';
import { defaultSettings } from '../../src/settings/table';
import { type SessionSettings, sessionSettings } from '../../src/settings/session-settings';
import { Spool } from '../../src/spool';
import { ProcessCounters } from '../../src/spool/process-counters';

const HASH = 'connection-test';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

/** Connections served in this process, over loopback, on one temporary spool. */
async function serve(overrides: Partial<SessionSettings>, cleanups: (() => void)[]) {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-connection-'));
  const settings: SessionSettings = { ...sessionSettings(defaultSettings(), '', HASH), spool: root, ...overrides };
  const spool = new Spool({ root, staleMs: settings.staleMs });
  spool.init();
  const lines: string[] = [];
  const log = new Logger('debug', 'text', 'session', (line) => lines.push(line));
  const connections: Connection[] = [];
  const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
    const connection = new Connection(socket, settings, privateKey, spool, log, new ProcessCounters(), '/1');
    connections.push(connection);
    connection.start();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  cleanups.push(() => {
    for (const c of connections) c.shutdown('test over');
    server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const open = () => connect({ host: '127.0.0.1', port, version: settings.proto, publicKey, hash: HASH });
  const logged = (text: string) => lines.filter((l) => l.includes(text));
  const identities = () => readdirSync(root).filter((n) => !n.startsWith('.'));
  return { spool, port, connections, open, logged, identities };
}

describe('connection: socket, server session and mailbox', () => {
  const cleanups: (() => void)[] = [];
  after(() => {
    for (const cleanup of cleanups) cleanup();
  });

  it('answers commands, enters the gateway, sends to itself, receives, leaves and ends', async () => {
    const { connections, open, logged, identities } = await serve({}, cleanups);
    const client = await open();
    assert.equal(await client.command('ECHO hello'), 'hello');
    const peer = await client.enterGateway('self');
    const connection = connections[0]!;
    assert.equal(connection.stats.peers, 1);
    assert.deepEqual(identities(), ['self']);
    await peer.send('self', 'to myself');
    const [message] = await peer.receive(1);
    assert.equal(message!.toString(), 'to myself');
    await peer.leave();
    await client.end();
    assert.equal(await connection.done, 'client sent END');
    const stats = connection.stats;
    assert.deepEqual([stats.handshakesOk, stats.sent, stats.delivered, stats.peers], [1, 1, 1, 0]);
    assert.equal(stats.deliveredBytes, 'to myself'.length);
    assert.ok(stats.bytesIn > 0 && stats.bytesOut > 0);
    assert.equal(logged('entered gateway').length, 1);
    assert.match(logged('left gateway')[0]!, /undelivered=0/);
    assert.equal(logged('session ended').length, 1);
    assert.deepEqual(identities(), [], 'the identity is given up');
  });

  it('relays to the outbox: a message for nobody is counted as dropped', async () => {
    const { connections, open, logged } = await serve({}, cleanups);
    const client = await open();
    const peer = await client.enterGateway('lonely');
    await peer.send('nobody', 'lost');
    await peer.send('lonely', 'kept');
    assert.equal((await peer.receive(1))[0]!.toString(), 'kept');
    const stats = connections[0]!.stats;
    assert.deepEqual([stats.sent, stats.dropped['no-peer']], [1, 1]);
    assert.match(logged('message dropped')[0]!, /reason=no-peer/);
    client.close();
  });

  it('delivers what other sessions queue through the spool, and counts what is left undelivered', async () => {
    const { spool, connections, open, logged } = await serve({}, cleanups);
    const client = await open();
    const peer = await client.enterGateway('target');
    for (let i = 0; i < 5; i++) spool.outbox.send(Buffer.from('target'), Buffer.from(`m${i}`));
    const got = (await peer.receive(5)).map((m) => m.toString());
    assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.equal(connections[0]!.stats.delivered, 5);
    client.close();
    await connections[0]!.done;
    assert.equal(logged('left gateway').length, 1);
  });

  it('answers a full gateway with FAILED 14 and an identity in use under refuse with FAILED 1', async () => {
    const { open, logged } = await serve({ maxPeers: 1, conflictPolicy: 'refuse' }, cleanups);
    const first = await open();
    await first.enterGateway('only');
    const second = await open();
    const code = (err: unknown) => (err instanceof TfReplyError ? err.code : null);
    await assert.rejects(second.enterGateway('other'), (err) => code(err) === 14);
    assert.equal(logged('gateway full, identity refused').length, 1);
    await assert.rejects(second.enterGateway('only'), (err) => code(err) === 14, 'still full');
    const roomy = await serve({ conflictPolicy: 'refuse' }, cleanups);
    const a = await roomy.open();
    await a.enterGateway('taken');
    const b = await roomy.open();
    await assert.rejects(b.enterGateway('taken'), (err) => code(err) === 1);
    assert.equal(roomy.logged('identity in use, refused').length, 1);
    assert.equal(await b.command('ECHO still here'), 'still here', 'a refusal leaves the client in command mode');
    for (const c of [first, second, a, b]) c.close();
  });

  it('after a takeover the old connection stops receiving but may still send', async () => {
    const { connections, open, logged } = await serve({}, cleanups);
    const oldClient = await open();
    const old = await oldClient.enterGateway('shared');
    const newClient = await open();
    const newer = await newClient.enterGateway('shared');
    assert.ok(await until(() => logged('identity taken over').length === 1), 'the old connection noticed');
    await old.send('shared', 'from the old one');
    assert.equal((await newer.receive(1))[0]!.toString(), 'from the old one');
    assert.equal(connections[0]!.stats.sent, 1);
    oldClient.close();
    await connections[0]!.done;
    assert.match(logged('left gateway')[0]!, /undelivered=0/);
    newClient.close();
  });

  it('closes a client that does not finish the connection sequence in time', async () => {
    const { port, connections, logged } = await serve({ handshakeTimeoutMs: 100 }, cleanups);
    const socket: Socket = connectSocket(port, '127.0.0.1');
    socket.on('error', () => {});
    assert.ok(await until(() => connections.length === 1));
    assert.equal(await connections[0]!.done, 'handshake timed out');
    assert.equal(connections[0]!.stats.handshakesFailed, 1);
    assert.match(logged('session ended')[0]!, /reason="handshake timed out"/);
    socket.destroy();
  });
});
