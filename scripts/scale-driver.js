#!/usr/bin/env node
// Traffic and measurements for scripts/scale.sh: PEERS clients enter the gateway
// (CONCURRENCY at a time, below the server's per-address pre-authentication cap)
// and all stay in; at the plateau it reads the server's memory, processes and
// inotify instances from /proc; then every peer gets one message from the peer
// before it (a ring) while PAIRS pairs of them relay 1 KiB messages both ways for
// PAIR_SECONDS, windowed so no inbox bound is reached; then all leave. Uses the
// built client library (dist/src/client), so run `npm run build` first.
//
// Every message names its sender and carries its SHA-256; a pair's messages carry
// a sequence number, so a loss, a duplicate, a reordering or a corrupt byte counts.
// Prints a JSON summary on stdout; exits 1 when a peer was refused, a ring message
// did not arrive exactly once, or a pair lost, reordered or corrupted a message.
//
//   node scripts/scale-driver.js --port P --hash H --public-key FILE --server-pid PID \
//     --metrics URL [--peers N] [--pairs 8] [--pair-seconds 20] [--concurrency 8]
'use strict';
const { createHash, randomBytes } = require('node:crypto');
const { readFileSync, readdirSync, readlinkSync } = require('node:fs');
const { get } = require('node:http');
const path = require('node:path');
const { connect } = require(path.join(__dirname, '..', 'dist', 'src', 'client'));
const { readPssKb } = require(path.join(__dirname, '..', 'dist', 'src', 'bench', 'pss'));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) {
    process.stderr.write(`scale-driver: --${name} is required\n`);
    process.exit(2);
  }
  return fallback;
}

const port = Number(option('port'));
const hash = option('hash');
const publicKey = readFileSync(option('public-key'), 'utf8');
const serverPid = Number(option('server-pid'));
const metricsUrl = option('metrics');
const peerCount = Number(option('peers', '1000'));
const pairCount = Math.min(Number(option('pairs', '8')), Math.floor(peerCount / 2));
const pairMs = 1000 * Number(option('pair-seconds', '20'));
const concurrency = Number(option('concurrency', '8'));
const CLOCK_TICKS = Number(option('clock-ticks', '100'));
const DIGEST = 32;
/** A pair's sender waits while this many of its messages are unread by the other side. */
const WINDOW = 64;
/** A pair's message, digest included: 1 KiB. */
const PAIR_MESSAGE = 1024;
const RING_TAG = 0x52; // R
const PAIR_TAG = 0x50; // P
const DEADLINE_MS = 120_000;
const JOIN_ATTEMPTS = 3;
const IDLE_WINDOW_MS = 10_000;

function log(text) {
  process.stderr.write(`scale-driver: ${text}\n`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sealed(body) {
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

function opened(m) {
  if (m.length < DIGEST) return null;
  const body = m.subarray(0, m.length - DIGEST);
  return createHash('sha256').update(body).digest().equals(m.subarray(m.length - DIGEST)) ? body : null;
}

// --- the server, seen from /proc ---------------------------------------------------

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** utime, stime, cutime, cstime of a process, in seconds. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].map((i) => Number(f[i]) / CLOCK_TICKS);
  } catch {
    return [0, 0, 0, 0];
  }
}

/** CPU seconds the server used so far: the listener, the children it reaped, the children alive. */
function serverCpu() {
  const [u, s, cu, cs] = cpuOf(serverPid);
  let total = u + s + cu + cs;
  for (const pid of children(serverPid)) {
    const [cu2, cs2] = cpuOf(pid);
    total += cu2 + cs2;
  }
  return total;
}

/** CPU time of the listener and its live children, every thread, in seconds (the scheduler's count, exact). */
function liveCpu() {
  let ns = 0;
  for (const pid of [serverPid, ...children(serverPid)]) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended.
      }
    }
  }
  return ns / 1e9;
}

function threadsOf(pid) {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function descriptorsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

function inotifyInstances(pid) {
  let n = 0;
  let fds = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify') n++;
    } catch {
      // Closed meanwhile.
    }
  }
  return n;
}

function plateau() {
  const sessions = children(serverPid);
  let pssKb = 0;
  let measured = 0;
  let inotify = inotifyInstances(serverPid);
  let threads = threadsOf(serverPid);
  for (const pid of sessions) {
    threads += threadsOf(pid);
    const kb = readPssKb(pid);
    if (kb !== null) {
      pssKb += kb;
      measured++;
    }
    inotify += inotifyInstances(pid);
  }
  return {
    sessionProcesses: sessions.length,
    sessionsPssMiB: Math.round(pssKb / 1024),
    pssPerSessionMiB: measured > 0 ? Number((pssKb / 1024 / measured).toFixed(2)) : null,
    listenerPssMiB: Math.round((readPssKb(serverPid) ?? 0) / 1024),
    inotifyInstances: inotify,
    threads,
    listenerDescriptors: descriptorsOf(serverPid),
  };
}

function metrics() {
  return new Promise((resolve, reject) => {
    get(metricsUrl, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function sample(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : null;
}

// --- the peers -----------------------------------------------------------------------

const identity = (i) => `scale-${i}`;

/**
 * Connects and enters as peer i. A connection that fails before the OK (closed by
 * a timeout of the server's on a loaded machine) is tried again, at most
 * JOIN_ATTEMPTS times in all, and counted; a refusal is not.
 */
async function enter(i, summary) {
  for (let attempt = 1; ; attempt++) {
    let client = null;
    try {
      client = await connect({ host: '127.0.0.1', port, version: '0.0', publicKey, hash, timeoutMs: 60_000 });
      return { client, peer: await client.enterGateway(identity(i), { buffer: false }) };
    } catch (err) {
      client?.close();
      if (err.name !== 'TfConnectionError' || attempt >= JOIN_ATTEMPTS) throw err;
      summary.joinRetries++;
      log(`${identity(i)}: ${err.message}; again`);
    }
  }
}

/** Enters every identity, `concurrency` connections at a time; each peer records what it gets. */
async function joinAll(summary) {
  const peers = new Array(peerCount);
  let next = 0;
  const worker = async () => {
    while (next < peerCount) {
      const i = next++;
      try {
        const { client, peer } = await enter(i, summary);
        const entry = { i, client, peer, ring: [], pairHandler: null };
        peer.on('message', (m) => {
          if (m[0] === RING_TAG) entry.ring.push(m);
          else if (m[0] === PAIR_TAG && entry.pairHandler) entry.pairHandler(m);
          else summary.unexpected++;
        });
        peers[i] = entry;
      } catch (err) {
        summary.joinFailures.push(`${identity(i)}: ${err.message}`);
      }
      if ((i + 1) % 100 === 0) log(`${i + 1} joined`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return peers;
}

/** Peer i sends one message to peer i+1; each must get exactly the one from its predecessor. */
async function ring(peers, summary) {
  await Promise.all(
    peers.map((p, i) => p.peer.send(identity((i + 1) % peers.length), sealed(Buffer.from(`R${i}>${(i + 1) % peers.length}`)))),
  );
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline && peers.some((p) => p.ring.length === 0)) await sleep(100);
  await sleep(500);
  for (const [i, p] of peers.entries()) {
    const from = (i + peers.length - 1) % peers.length;
    const body = p.ring.length === 1 ? opened(p.ring[0]) : null;
    if (body && body.toString() === `R${from}>${i}`) summary.ringDelivered++;
    else summary.ringWrong.push(`${identity(i)}: ${p.ring.length} messages`);
  }
}

/** One direction of a pair: 1 KiB messages in sequence, never more than WINDOW unread. */
async function relay(from, to, until, result) {
  let received = 0;
  to.pairHandler = (m) => {
    const body = opened(m);
    if (!body || m.length !== PAIR_MESSAGE) result.corrupt++;
    else if (body.readUInt32BE(1) !== received) result.outOfOrder++;
    received++;
    result.received++;
  };
  while (Date.now() < until) {
    if (result.sent - received >= WINDOW) {
      await sleep(2);
      continue;
    }
    const body = randomBytes(PAIR_MESSAGE - DIGEST);
    body[0] = PAIR_TAG;
    body.writeUInt32BE(result.sent, 1);
    await from.peer.send(identity(to.i), sealed(body));
    result.sent++;
  }
  const deadline = Date.now() + DEADLINE_MS;
  while (received < result.sent && Date.now() < deadline) await sleep(50);
}

async function pairs(peers, summary) {
  const until = Date.now() + pairMs;
  const runs = [];
  // Spread over the join order, so pairs mix peers with a kernel watch and peers polling.
  for (let k = 0; k < pairCount; k++) {
    const a = peers[Math.floor((k * peers.length) / pairCount)];
    const b = peers[Math.floor((k * peers.length) / pairCount + peers.length / (2 * pairCount))];
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const result = { from: identity(x.i), to: identity(y.i), sent: 0, received: 0, corrupt: 0, outOfOrder: 0 };
      summary.pairs.push(result);
      runs.push(relay(x, y, until, result));
    }
  }
  await Promise.all(runs);
}

async function main() {
  const summary = {
    peers: peerCount,
    joined: 0,
    joinFailures: [],
    joinRetries: 0,
    joinSeconds: 0,
    joinCpuSeconds: 0,
    plateau: null,
    idleCpuPercentOfCore: null,
    watchFallbacks: null,
    gatewayPeers: null,
    ringDelivered: 0,
    ringWrong: [],
    unexpected: 0,
    pairs: [],
    relaySeconds: 0,
    relayCpuSeconds: 0,
    leaveSeconds: 0,
    leaveCpuSeconds: 0,
  };
  let cpu = serverCpu();
  let t = Date.now();
  const all = await joinAll(summary);
  const peers = all.filter(Boolean);
  summary.joined = peers.length;
  summary.joinSeconds = (Date.now() - t) / 1000;
  summary.joinCpuSeconds = Number((serverCpu() - cpu).toFixed(1));
  // The run records are refreshed every second: let /metrics catch up.
  await sleep(2500);
  summary.plateau = plateau();
  const text = await metrics();
  summary.watchFallbacks = sample(text, 'tfgw_watch_fallbacks_total');
  summary.gatewayPeers = sample(text, 'tfgw_gateway_peers');
  // The cost of peers that only wait: the server's CPU over a quiet window.
  cpu = liveCpu();
  t = Date.now();
  await sleep(IDLE_WINDOW_MS);
  // Over the window as it was, not as asked: on a saturated machine the timer fires late.
  summary.idleCpuPercentOfCore = Number(((100 * (liveCpu() - cpu)) / ((Date.now() - t) / 1000)).toFixed(1));
  log(`plateau ${JSON.stringify(summary.plateau)}, idle CPU ${summary.idleCpuPercentOfCore} % of a core`);

  cpu = serverCpu();
  t = Date.now();
  await Promise.all([ring(peers, summary), pairs(peers, summary)]);
  summary.relaySeconds = (Date.now() - t) / 1000;
  summary.relayCpuSeconds = Number((serverCpu() - cpu).toFixed(1));

  cpu = serverCpu();
  t = Date.now();
  let leaveFailures = 0;
  await Promise.all(
    peers.map(async (p) => {
      try {
        await p.peer.leave();
        await p.client.end();
      } catch {
        leaveFailures++;
        p.client.close();
      }
    }),
  );
  summary.leaveFailures = leaveFailures;
  summary.leaveSeconds = (Date.now() - t) / 1000;
  summary.leaveCpuSeconds = Number((serverCpu() - cpu).toFixed(1));

  const pairsClean = summary.pairs.every((d) => d.sent > 0 && d.received === d.sent && d.corrupt === 0 && d.outOfOrder === 0);
  const ok =
    summary.joined === peerCount &&
    summary.ringDelivered === peerCount &&
    summary.unexpected === 0 &&
    leaveFailures === 0 &&
    pairsClean;
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`scale-driver: ${err.stack || err}\n`);
  process.exit(1);
});
