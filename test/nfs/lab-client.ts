/**
 * The client side of the two-host NFS lab (test/cli/nfs-two-hosts.sh): real clients, run in
 * the lab's network namespace, against tfgw on hostA and hostB sharing one spool over NFS.
 * `node dist/test/nfs/lab-client.js <step> [args]` runs one step, prints `measured:` lines
 * and exits non-zero with the reason when what the step checks does not hold.
 * Settings come from the environment: LAB_DATA (the servers' key and hash), LAB_ADDR_A,
 * LAB_ADDR_B, LAB_PORT.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type GatewayPeer, type TfClient, connect } from '../../src/client';

type Host = 'A' | 'B';
const HOSTS: readonly Host[] = ['A', 'B'];
/** Generous deadline for "it arrives at all"; what the step reports is the measured time. */
const ARRIVAL_DEADLINE_MS = 15_000;

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const dataDir = env('LAB_DATA');
const publicKey = readFileSync(`${dataDir}/public.pem`, 'utf8');
const hash = readFileSync(`${dataDir}/hash`, 'utf8').trim();
const address: Record<Host, string> = { A: env('LAB_ADDR_A'), B: env('LAB_ADDR_B') };
const port = Number(env('LAB_PORT'));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Peer {
  client: TfClient;
  peer: GatewayPeer;
}

async function enter(host: Host, identity: string): Promise<Peer> {
  const client = await connect({ host: address[host], port, version: '0.0', publicKey, hash, timeoutMs: 20_000 });
  const peer = await client.enterGateway(identity);
  return { client, peer };
}

async function leave(...peers: Peer[]): Promise<void> {
  for (const { client, peer } of peers) {
    if (peer.state === 'open') await peer.leave();
    if (!client.closed) await client.end();
  }
}

/** The next `count` messages of `peer`, or an error naming what was missing after the deadline. */
async function receive(peer: GatewayPeer, count: number, what: string, deadlineMs = ARRIVAL_DEADLINE_MS): Promise<Buffer[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: ${count} message(s) not received within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([peer.receive(count), late]);
  } finally {
    clearTimeout(timer);
  }
}

function measured(what: string, ms: number): void {
  console.log(`measured: ${what} ${ms.toFixed(0)} ms`);
}

/** Senders on both hosts (in the gateway as send-A and send-B) for the checks below. */
async function senders(tag: string): Promise<Record<Host, Peer>> {
  return { A: await enter('A', `send-A-${tag}`), B: await enter('B', `send-B-${tag}`) };
}

/** One message from each host's sender to `identity`; checks that `receiver` gets both (in any order across senders). */
async function fromEitherHost(send: Record<Host, Peer>, identity: string, receiver: GatewayPeer, what: string): Promise<void> {
  const started = performance.now();
  const expected = HOSTS.map((h) => `${what} from host ${h}`);
  await Promise.all(HOSTS.map((h, i) => send[h].peer.send(identity, expected[i])));
  const got = (await receive(receiver, 2, what)).map((m) => m.toString()).sort();
  if (got.join('|') !== expected.join('|')) throw new Error(`${what}: got ${JSON.stringify(got)}`);
  measured(`${what}: both arrived after`, performance.now() - started);
}

/** A peer that got OK on either host receives what either host sends 1 s later. */
async function reach(): Promise<void> {
  const send = await senders('reach');
  for (const host of HOSTS) {
    const identity = `reach-${host}`;
    // Sent before the peer exists: lost, and leaves both hosts' NFS clients a cached "no such name".
    await Promise.all(HOSTS.map((h) => send[h].peer.send(identity, 'before it joined')));
    await sleep(200);
    const receiver = await enter(host, identity);
    await sleep(1000);
    await fromEitherHost(send, identity, receiver.peer, `peer on host ${host}, 1 s after OK`);
    await leave(receiver);
  }
  await leave(send.A, send.B);
}

/** 50 messages each way between a peer on A and a peer on B, sizes 0 to ~64 KB, compared byte for byte. */
async function exchange(): Promise<void> {
  const count = 50;
  const a = await enter('A', 'exchange-a');
  const b = await enter('B', 'exchange-b');
  const bodies = (from: string) =>
    Array.from({ length: count }, (_, i) => Buffer.concat([Buffer.from(`${from} ${i} `), randomBytes((i * 1319) % 65_000)]));
  const toB = bodies('a');
  const toA = bodies('b');
  const started = performance.now();
  const sendAll = async (from: Peer, to: string, list: Buffer[]) => {
    for (const m of list) await from.peer.send(to, m);
  };
  const [gotB, gotA] = await Promise.all([
    receive(b.peer, count, 'A to B', 60_000),
    receive(a.peer, count, 'B to A', 60_000),
    sendAll(a, 'exchange-b', toB),
    sendAll(b, 'exchange-a', toA),
  ]);
  for (const [got, sent, way] of [[gotB, toB, 'A to B'], [gotA, toA, 'B to A']] as const) {
    const bad = sent.findIndex((m, i) => !m.equals(got[i]));
    if (bad >= 0) throw new Error(`${way}: message ${bad} differs (got "${got[bad].subarray(0, 12).toString()}…")`);
  }
  measured(`50 messages each way (up to 64 KB) between A and B`, performance.now() - started);
  await leave(a, b);
}

/** A peer on B stays `ms` while A sweeps, then still receives from both hosts. */
async function stay(ms: number): Promise<void> {
  const stayer = await enter('B', 'stayer');
  console.log('entered');
  await sleep(ms);
  const send = await senders('stay');
  await fromEitherHost(send, 'stayer', stayer.peer, `peer on host B after ${ms / 1000} s`);
  await leave(stayer, send.A, send.B);
}

/** Held on A, taken over on B: what either host sends 1 s later reaches B, nothing reaches A. */
async function takeover(): Promise<void> {
  const send = await senders('takeover');
  const first = await enter('A', 'taken');
  const second = await enter('B', 'taken');
  await sleep(1000);
  let strayed = 0;
  first.peer.on('message', () => {
    strayed += 1;
  });
  await fromEitherHost(send, 'taken', second.peer, 'taken over on host B, 1 s later');
  await sleep(1000);
  if (strayed > 0) throw new Error(`the old holder on host A still received ${strayed} message(s)`);
  await leave(first, second, send.A, send.B);
}

/** Enters each identity on `host` and holds them until the connections end (the host's server is killed). */
async function hold(host: Host, identities: string[]): Promise<void> {
  const peers = await Promise.all(identities.map((id) => enter(host, id)));
  console.log('held');
  await Promise.all(peers.map(({ peer }) => new Promise((resolve) => peer.once('end', resolve))));
}

/** Host A alone still serves: a peer on A receives from a sender on A. */
async function serving(): Promise<void> {
  const receiver = await enter('A', 'after-kill');
  const sender = await enter('A', 'after-kill-sender');
  await sender.peer.send('after-kill', 'still here');
  const [m] = await receive(receiver.peer, 1, 'host A after host B was killed');
  if (m.toString() !== 'still here') throw new Error(`got ${m.toString()}`);
  await leave(receiver, sender);
}

const [step, ...args] = process.argv.slice(2);
const steps: Record<string, () => Promise<void>> = {
  reach,
  exchange,
  takeover,
  serving,
  stay: () => stay(Number(args[0] ?? 60_000)),
  hold: () => hold(args[0] as Host, args.slice(1)),
};
const run = steps[step ?? ''];
if (!run) {
  console.error(`usage: lab-client ${Object.keys(steps).join('|')} [args]`);
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`${step}: ${error.message}`);
    process.exit(1);
  },
);
