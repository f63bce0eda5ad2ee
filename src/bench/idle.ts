/**
 * `bench idle`: opens N gateway peers with distinct identities and holds them,
 * so the server's memory per peer can be read. Given the spool of a tfgw
 * server, it sums the PSS of the session processes holding our identities at
 * the end of the hold (pss.ts); given the process group of another server that
 * forks per connection, it reads what the PSS of the whole group gained. Either
 * way it also reads the server's CPU over the second half of the hold, once the
 * processes have settled (idle-cpu.ts): what waiting peers cost.
 */
import type { GatewayPeer, TfClient } from '../client';
import { type Failures, countFailure, mergeFailures, someFailures } from './failures';
import { nowMs, sleep } from './clock';
import { forEachLimit } from './concurrency';
import { fdWarning } from './fd-limit';
import type { FloorResults } from './floor';
import type { Job, WorkerRun } from './messages';
import { type PoolOptions, type RunOutcome, withPool } from './pool';
import { type IdleCpu, startCpuWindow } from './idle-cpu';
import { type SessionMemory, groupPids, parentPid, serverGroupMemory, sessionMemory, sessionPids } from './pss';
import type { Row } from './report';
import { asCost, fieldRows, figure, quantileRows } from './rows';
import { type Summary, summarize } from './stats';
import type { Target } from './target';
import { teardown } from './teardown';

export interface IdleOptions {
  peers: number;
  holdS: number;
  /** Peers being opened at once. */
  concurrency: number;
  workers: number;
  /** The tfgw server's spool, to find its session processes; null for another server. */
  spool: string | null;
  /** Another server's process group: the memory it gains; null for none. */
  serverGroup: number | null;
  tag: string;
  progress?: boolean;
}

interface IdleJob extends Job {
  mode: 'idle';
  ids: number[];
  concurrency: number;
  tag: string;
}

interface IdleWorkerResult {
  openMs: number[];
  failures: Failures;
  startAt: number;
  openedAt: number;
}

export interface IdleResults {
  peers: number;
  open: number;
  failed: number;
  failures: Failures;
  /** Seconds to open them all. */
  openS: number;
  openPerS: number;
  /** Connect and enter the gateway, per peer. */
  openMs: Summary | null;
  holdS: number;
  /** Null without --spool. */
  memory: SessionMemory | null;
  /**
   * The server's processes over the second half of the hold (with --spool: the
   * sessions holding our peers and their listener; with --server-group: the
   * group); null without either.
   */
  serverCpu: IdleCpu | null;
  /** Their CPU per peer held, ms per second. */
  cpuPerPeerMsPerS: number | null;
}

export const idleWorker: WorkerRun<IdleJob, IdleWorkerResult> = async (job, ctx) => {
  const c = ctx.counters;
  c.open = 0;
  c.failed = 0;
  const held: { client: TfClient; peer: GatewayPeer }[] = [];
  const openMs: number[] = [];
  const failures: Failures = {};
  await ctx.barrier('go');
  ctx.meter.start();
  const startAt = nowMs();
  await forEachLimit(job.ids, job.concurrency, async (n) => {
    const t0 = nowMs();
    let client: TfClient | null = null;
    try {
      client = await ctx.connector.connect();
      const peer = await client.enterGateway(`${job.tag}-i${n}`, { buffer: false });
      held.push({ client, peer });
      openMs.push(nowMs() - t0);
      c.open!++;
    } catch (error) {
      client?.close();
      countFailure(failures, error);
      c.failed!++;
    }
  });
  const openedAt = nowMs();
  ctx.meter.stop();
  await ctx.barrier('held');
  await teardown(
    held.map((h) => h.peer),
    held.map((h) => h.client),
    job.concurrency,
  );
  return { openMs, failures, startAt, openedAt };
};

export async function runIdle(target: Target, opts: IdleOptions): Promise<RunOutcome<IdleResults>> {
  const workers = Math.max(1, Math.min(opts.workers, opts.peers));
  const jobs: IdleJob[] = Array.from({ length: workers }, (_, w) => ({
    mode: 'idle',
    ids: Array.from({ length: opts.peers }, (_, i) => i).filter((i) => i % workers === w),
    concurrency: Math.max(1, Math.ceil(opts.concurrency / workers)),
    tag: opts.tag,
  }));
  const warnings: string[] = [];
  const fd = fdWarning(Math.ceil(opts.peers / workers));
  if (fd) warnings.push(fd);
  let holdEnd = 0;
  const render: PoolOptions['render'] = (c, s) => {
    const head = `idle  ${s.toFixed(1)} s  open ${c.open ?? 0}/${opts.peers}  failed ${c.failed ?? 0}`;
    return holdEnd > 0 ? `${head}  holding, ${Math.max(0, (holdEnd - nowMs()) / 1000).toFixed(1)} s left` : head;
  };
  return withPool<IdleWorkerResult, RunOutcome<IdleResults>>(target, jobs, { progress: opts.progress, render }, async (pool) => {
    // The processes a forking server runs with no peer at all are not a peer's cost.
    const before = opts.serverGroup === null ? null : serverGroupMemory(opts.serverGroup);
    await pool.pass('go');
    await pool.arrived('held');
    holdEnd = nowMs() + opts.holdS * 1000;
    await sleep((opts.holdS * 1000) / 2);
    const pids = serverPids(opts);
    const readCpu = pids ? startCpuWindow(pids) : null;
    await sleep((opts.holdS * 1000) / 2);
    const serverCpu = readCpu ? readCpu() : null;
    // Read at the end of the hold, once the sessions have settled.
    const group = opts.serverGroup === null ? null : serverGroupMemory(opts.serverGroup);
    const memory = opts.spool ? sessionMemory(opts.spool, `${opts.tag}-i`) : group;
    pool.release('held');
    const { results, cpu } = await pool.done();
    const { failures, failed } = mergeFailures(results);
    const open = results.reduce((s, r) => s + r.openMs.length, 0);
    // A group may hold several processes per peer, or helpers besides them: what it gained counts per peer held.
    if (memory && memory === group && before) {
      memory.perSessionPssMB = open > 0 ? (memory.totalPssMB - before.totalPssMB) / open : null;
    }
    const openS = (Math.max(...results.map((r) => r.openedAt)) - Math.min(...results.map((r) => r.startAt))) / 1000;
    if (failed > 0) warnings.push(`${failed} peer(s) could not be opened: ${someFailures(failures)}`);
    if (memory && memory !== group && memory.sessions !== open) {
      warnings.push(`found ${memory.sessions} session(s) for ${open} open peer(s) in the spool ${opts.spool}`);
    }
    if (memory && memory.measured < memory.sessions) {
      warnings.push(`could read the memory of only ${memory.measured} of ${memory.sessions} session process(es)`);
    }
    return {
      results: {
        peers: opts.peers,
        open,
        failed,
        failures,
        openS,
        openPerS: openS > 0 ? open / openS : 0,
        openMs: summarize(results.flatMap((r) => r.openMs)),
        holdS: opts.holdS,
        memory,
        serverCpu,
        cpuPerPeerMsPerS: serverCpu && open > 0 ? serverCpu.msPerS / open : null,
      },
      cpu,
      warnings,
      nothingDone: open === 0,
    };
  });
}

/** The server processes whose CPU an idle hold reads: a tfgw server's sessions of our peers and their listener, or a group. */
function serverPids(opts: IdleOptions): number[] | null {
  if (opts.serverGroup !== null) return groupPids(opts.serverGroup);
  if (!opts.spool) return null;
  const sessions = sessionPids(opts.spool, `${opts.tag}-i`);
  const parents = new Set(sessions.map(parentPid).filter((pid): pid is number => pid !== null));
  return parents.size === 1 ? [...sessions, ...parents] : sessions;
}

export function idleRows(r: IdleResults, floor: FloorResults | null): Row[] {
  // Bare node processes side by side share pages as the sessions do: the fair floor.
  const nodePss = floor?.node?.pssSideBySideMB ?? floor?.node?.pssMB ?? null;
  const m = r.memory;
  return [
    ...fieldRows(r, [
      ['open', 'peers held', ''],
      ['failed', 'failed', ''],
      ['openPerS', 'opened', 'peers/s'],
    ]),
    ...quantileRows('open', 'connect and enter', r.openMs, ['p50', 'p99']),
    ...(m
      ? [
          ...fieldRows(m, [
            ['sessions', 'session processes', ''],
            ['totalPssMB', 'sessions PSS total', 'MB'],
          ]),
          figure('perPeerPssMB', 'PSS per peer', m.perSessionPssMB, 'MB', asCost(nodePss)),
          figure('listenerPssMB', 'listener PSS', m.listener?.pssMB, 'MB'),
        ]
      : []),
    ...(r.serverCpu
      ? [
          figure('idleCpuMsPerS', 'server CPU, peers waiting', r.serverCpu.msPerS, 'ms/s'),
          figure('idleCpuPerPeerMsPerS', 'server CPU per waiting peer', r.cpuPerPeerMsPerS, 'ms/s'),
        ]
      : []),
  ];
}
