#!/usr/bin/env node
// Traffic for scripts/soak.sh: PEERS clients that join and leave the gateway over
// and over for DURATION seconds, sending self-checking messages to each other.
// Uses the built client library (dist/src/client), so run `npm run build` first.
//
// Each peer loops until the deadline (and at most MAX_CYCLES times): connect, one to
// three stays in the gateway (enter, send 1..20 messages to random peers, linger,
// leave), then end the connection cleanly, or drop it, sometimes while still in the
// gateway. Every message carries its SHA-256, so a corrupt or partial delivery
// counts as one. Prints a JSON summary on stdout at the end; exits 1 if any
// delivery was corrupt.
//
//   node scripts/soak-driver.js --port P --hash H --public-key FILE [--peers N] [--duration S]
'use strict';
const { createHash, randomBytes, randomInt } = require('node:crypto');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { connect } = require(path.join(__dirname, '..', 'dist', 'src', 'client'));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) {
    process.stderr.write(`soak-driver: --${name} is required\n`);
    process.exit(2);
  }
  return fallback;
}

const port = Number(option('port'));
const hash = option('hash');
const publicKey = readFileSync(option('public-key'), 'utf8');
const peers = Number(option('peers', '500'));
const durationMs = 1000 * Number(option('duration', '300'));
const MAX_CYCLES = 100_000;
const DIGEST = 32;

const stats = {
  peers,
  cycles: 0,
  connects: 0,
  connectFailures: 0,
  stays: 0,
  claimFailures: 0,
  sent: 0,
  received: 0,
  corrupt: 0,
  cleanEnds: 0,
  drops: 0,
  dropsInGateway: 0,
  errors: {},
};

function countError(err) {
  const key = err ? [err.name, err.code].filter((x) => x !== undefined && x !== null).join(' ') || 'unknown' : 'unknown';
  stats.errors[key] = (stats.errors[key] || 0) + 1;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function message() {
  // Mostly small, now and then 64 KiB.
  const size = randomInt(10) === 0 ? 64 * 1024 : randomInt(16, 4096);
  const body = randomBytes(size);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

function intact(m) {
  if (m.length < DIGEST) return false;
  const body = m.subarray(0, m.length - DIGEST);
  return createHash('sha256').update(body).digest().equals(m.subarray(m.length - DIGEST));
}

async function stay(client, me) {
  const peer = await client.enterGateway(`soak-${me}`, { buffer: false });
  stats.stays++;
  peer.on('message', (m) => {
    stats.received++;
    if (!intact(m)) stats.corrupt++;
  });
  const count = randomInt(1, 21);
  for (let i = 0; i < count; i++) {
    await peer.send(`soak-${randomInt(peers)}`, message());
    stats.sent++;
    await sleep(randomInt(0, 50));
  }
  await sleep(randomInt(0, 2000));
  return peer;
}

async function runPeer(me, deadline) {
  for (let cycle = 0; cycle < MAX_CYCLES && Date.now() < deadline; cycle++) {
    stats.cycles++;
    let client;
    try {
      client = await connect({ host: '127.0.0.1', port, version: '0.0', publicKey, hash, timeoutMs: 30_000 });
      stats.connects++;
    } catch (err) {
      stats.connectFailures++;
      countError(err);
      await sleep(500);
      continue;
    }
    try {
      const stays = randomInt(1, 4);
      let last = null;
      for (let s = 0; s < stays && Date.now() < deadline; s++) {
        try {
          last = await stay(client, me);
        } catch (err) {
          if (err && err.name === 'TfReplyError') {
            stats.claimFailures++;
            countError(err);
            last = null;
            continue;
          }
          throw err;
        }
        if (s < stays - 1 || randomInt(4) !== 0) {
          await last.leave();
          last = null;
        }
      }
      const how = randomInt(3);
      if (how === 0 || last !== null) {
        if (last !== null) stats.dropsInGateway++;
        stats.drops++;
        client.close();
      } else {
        await client.end();
        stats.cleanEnds++;
      }
    } catch (err) {
      countError(err);
      client.close();
    }
  }
}

async function main() {
  const deadline = Date.now() + durationMs;
  await Promise.all(Array.from({ length: peers }, (_, i) => runPeer(i, deadline)));
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  process.exit(stats.corrupt === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`soak-driver: ${err.stack || err}\n`);
  process.exit(1);
});
