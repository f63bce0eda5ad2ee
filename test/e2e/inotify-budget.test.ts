/**
 * More peers than the user's inotify instances allow, on a private budget (a
 * user namespace of the test's own, test/helpers/inotify-namespace.ts): in
 * watchMode `auto` every peer that got OK receives, the ones past the budget by
 * polling, each fallback counted in /metrics and logged once; in `native` the
 * peers past the budget are refused and the others receive. The listener warns
 * at start with the sysctl to raise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GatewayPeer, type TfClient, TfReplyError } from '../../src/client';
import { httpGet, metricValue } from '../helpers/http-get';
import { inotifyLimitedLauncher, inotifyNamespaceProblem } from '../helpers/inotify-namespace';
import { exchange } from '../helpers/robustness';
import type { ServerHandle } from '../helpers/tfgw-server';
import { serverForSuite } from './fixture';

/** Instances in the namespace: the listener's own watch takes one, the sessions share the rest. */
const BUDGET = 6;
/** Twice the budget, so at least half the peers are past it. */
const PEERS = 2 * BUDGET;
const FALLBACK_LOG = 'no inotify watch left: polling the inbox';
const problem = inotifyNamespaceProblem();

function args(mode: string): string[] {
  return ['--watch-mode', mode, '--metrics-listen', '127.0.0.1:0'];
}

async function fallbacksCounted(server: ServerHandle): Promise<number> {
  const text = (await httpGet(`http://127.0.0.1:${server.metricsPort}/metrics`)).body;
  return metricValue(text, 'tfgw_watch_fallbacks_total');
}

/** The session pids that logged a fallback, one entry per log line. */
function fallbackLoggers(server: ServerHandle): number[] {
  return server
    .logs()
    .split('\n')
    .filter((l) => l.includes(FALLBACK_LOG))
    .map((l) => Number(/session\[(\d+)\]/.exec(l)?.[1]));
}

/** Each peer gets one message from the one before it, in a ring. */
async function ring(peers: GatewayPeer[]): Promise<void> {
  for (const [i, to] of peers.entries()) {
    const from = peers[(i + peers.length - 1) % peers.length] as GatewayPeer;
    await exchange(from, to, `to ${to.identity} from ${from.identity}`);
  }
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return true;
  }
  return check();
}

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

type Entry = { client: TfClient; peer: GatewayPeer | null; refusal: TfReplyError | null };

/** Enters `count` identities one after another, each on its own connection, all staying in. */
async function enterAll(server: ServerHandle, prefix: string, count: number): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const client = await server.connect();
    try {
      entries.push({ client, peer: await client.enterGateway(`${prefix}${i}`), refusal: null });
    } catch (err) {
      if (!(err instanceof TfReplyError)) throw err;
      entries.push({ client, peer: null, refusal: err });
    }
  }
  return entries;
}

async function endAll(entries: Entry[]): Promise<void> {
  await Promise.all(entries.map((e) => e.client.end()));
}

describe('the inotify budget exhausted, watchMode auto', { skip: problem ?? false }, () => {
  const server = serverForSuite(args('auto'), {}, inotifyLimitedLauncher(BUDGET));

  it('warns once at start that maxPeers exceeds the limit, with the sysctl to raise', () => {
    const warnings = server.logs().split('\n').filter((l) => l.includes('maxPeers exceeds the inotify limits'));
    assert.equal(warnings.length, 1, server.logs());
    assert.match(warnings[0] as string, new RegExp(`limit=${BUDGET} `));
    assert.match(warnings[0] as string, /raise="sysctl fs\.inotify\.max_user_instances=\d+"/);
  });

  it('every peer gets OK and receives, those past the budget by polling, each fallback counted and logged once', async () => {
    const entries = await enterAll(server, 'auto-', PEERS);
    assert.deepEqual(
      entries.filter((e) => e.refusal).map((e) => e.refusal?.reply),
      [],
    );
    const peers = entries.map((e) => e.peer as GatewayPeer);
    await ring(peers);
    await ring([...peers].reverse());
    const loggers = fallbackLoggers(server);
    assert.ok(loggers.length >= PEERS - BUDGET, `only ${loggers.length} fallbacks logged:\n${server.logs()}`);
    assert.equal(new Set(loggers).size, loggers.length, 'a process logged its fallback more than once');
    // The counters reach /metrics with the run records' next refresh.
    assert.ok(
      await eventually(async () => (await fallbacksCounted(server)) === loggers.length),
      `tfgw_watch_fallbacks_total is ${await fallbacksCounted(server)}, ${loggers.length} logged`,
    );
    assert.equal((await httpGet(`http://127.0.0.1:${server.metricsPort}/healthz`)).status, 200);
    // A polled inbox sees many arrivals in one listing: they still come in send order.
    const [first, last] = [peers[0] as GatewayPeer, peers[PEERS - 1] as GatewayPeer];
    const burst = Array.from({ length: 200 }, (_, i) => `burst ${i}`);
    for (const m of burst) await first.send(last.identity, m);
    const got = await within(last.receive(burst.length), 20_000, 'the burst did not arrive');
    assert.deepEqual(
      got.map((m) => m.toString()),
      burst,
    );
    await endAll(entries);
  });
});

describe('the inotify budget exhausted, watchMode native', { skip: problem ?? false }, () => {
  const server = serverForSuite(args('native'), {}, inotifyLimitedLauncher(BUDGET));

  it('refuses the peers past the budget with FAILED 1 and the others receive', async () => {
    const entries = await enterAll(server, 'native-', PEERS);
    const refused = entries.filter((e) => e.refusal);
    const admitted = entries.flatMap((e) => (e.peer ? [e.peer] : []));
    assert.ok(refused.length >= PEERS - BUDGET, `${refused.length} refused of ${PEERS}`);
    for (const e of refused) assert.equal(e.refusal?.reply, 'FAILED 1 : Internal error occurred.');
    assert.ok(admitted.length >= 2, `${admitted.length} admitted`);
    await ring(admitted);
    // A refused identity holds no inbox, and its connection is back in the command interface.
    const inboxes = server.spoolEntries();
    for (const e of refused) assert.equal(inboxes.includes(`native-${entries.indexOf(e)}`), false);
    assert.equal(await refused[0]?.client.command('ECHO still here'), 'still here');
    assert.deepEqual(fallbackLoggers(server), []);
    assert.equal(await fallbacksCounted(server), 0);
    await endAll(entries);
  });
});
