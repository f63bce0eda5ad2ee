/**
 * `bench latency`: one pair ping-pongs a message. The pinger stamps each
 * message with its sequence number and send time, the ponger sends it straight
 * back, and the pinger records the round trip. Warm-up rounds are not counted; a
 * round with no answer within the timeout counts as lost (the protocol allows
 * loss) and the next one starts.
 */
import { nowMs } from './clock';
import type { FloorResults } from './floor';
import type { Job, WorkerContext, WorkerRun } from './messages';
import { makeBody, readStamp, stamp } from './payload';
import { type PoolOptions, type RunOutcome, withPool } from './pool';
import type { Row } from './report';
import { asCost, fieldRows, figure, quantileRows } from './rows';
import { type Summary, percentile, summarize } from './stats';
import type { Target } from './target';
import { teardown } from './teardown';

export interface LatencyOptions {
  count: number;
  warmup: number;
  size: number;
  timeoutMs: number;
  tag: string;
  progress?: boolean;
}

interface LatencyJob extends Job, Omit<LatencyOptions, 'progress'> {
  mode: 'latency';
}

interface LatencyWorkerResult {
  samples: number[];
  lost: number;
  stray: number;
  wallMs: number;
}

export interface LatencyResults {
  size: number;
  rounds: number;
  lost: number;
  /** Messages that arrived for no waiting round (late answers to lost rounds). */
  stray: number;
  roundTripMs: Summary | null;
  /** The round-trip distribution: the time at each percent, 0 to 100 (101 points), for plots. */
  percentilesMs: number[];
  roundsPerS: number;
  elapsedS: number;
}

/** The pinger and the ponger in the gateway: `round` times one round trip, null when it is lost. */
interface PingPong {
  round(seq: number): Promise<number | null>;
  /** Messages that arrived for no waiting round. */
  stray(): number;
  close(): Promise<void>;
}

async function openPingPong(job: LatencyJob, ctx: WorkerContext): Promise<PingPong> {
  const pingId = `${job.tag}-ping`;
  const pongId = `${job.tag}-pong`;
  const pingClient = await ctx.connector.connect();
  const pongClient = await ctx.connector.connectReceiver();
  const pong = await pongClient.enterGateway(pongId, { buffer: false });
  const ping = await pingClient.enterGateway(pingId, { buffer: false });

  let failure: Error | null = null;
  let waiting: { seq: number; done: (ms: number | null) => void } | null = null;
  const onEnd = (error: Error | null) => {
    if (!error) return;
    failure = error;
    waiting?.done(null);
  };
  ping.on('end', onEnd);
  pong.on('end', onEnd);
  pong.on('message', (m) => {
    pong.send(pingId, m).catch(() => undefined);
  });
  let stray = 0;
  ping.on('message', (m) => {
    const at = nowMs();
    const s = readStamp(m);
    if (s && waiting && s.seq === waiting.seq) waiting.done(at - s.sentAt);
    else stray++;
  });

  const body = makeBody(job.size);
  const round = (seq: number) =>
    new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => waiting?.done(null), job.timeoutMs);
      waiting = {
        seq,
        done: (ms) => {
          clearTimeout(timer);
          waiting = null;
          if (failure) reject(failure);
          else resolve(ms);
        },
      };
      ping.send(pongId, stamp(body, seq, nowMs())).catch((error: Error) => {
        failure = error;
        waiting?.done(null);
      });
    });
  return { round, stray: () => stray, close: () => teardown([ping, pong], [pingClient, pongClient]) };
}

export const latencyWorker: WorkerRun<LatencyJob, LatencyWorkerResult> = async (job, ctx) => {
  const pair = await openPingPong(job, ctx);
  let seq = 0;
  for (let i = 0; i < job.warmup; i++) await pair.round(seq++);
  await ctx.barrier('go');
  ctx.meter.start();
  const startedAt = nowMs();
  const samples: number[] = [];
  let lost = 0;
  ctx.counters.rounds = 0;
  ctx.counters.lost = 0;
  for (let i = 0; i < job.count; i++) {
    const ms = await pair.round(seq++);
    if (ms === null) ctx.counters.lost = ++lost;
    else samples.push(ms);
    ctx.counters.rounds = i + 1;
  }
  const wallMs = nowMs() - startedAt;
  ctx.meter.stop();
  await pair.close();
  return { samples, lost, stray: pair.stray(), wallMs };
};

export async function runLatency(target: Target, opts: LatencyOptions): Promise<RunOutcome<LatencyResults>> {
  const { progress, ...rest } = opts;
  const job: LatencyJob = { mode: 'latency', ...rest };
  const render: PoolOptions['render'] = (c, s) => `latency  ${s.toFixed(1)} s  rounds ${c.rounds ?? 0}/${opts.count}  lost ${c.lost ?? 0}`;
  return withPool<LatencyWorkerResult, RunOutcome<LatencyResults>>(target, [job], { progress, render }, async (pool) => {
    await pool.pass('go');
    const { results, cpu } = await pool.done();
    const r = results[0]!;
    const elapsedS = r.wallMs / 1000;
    return {
      results: {
        size: opts.size,
        rounds: r.samples.length,
        lost: r.lost,
        stray: r.stray,
        roundTripMs: summarize(r.samples),
        percentilesMs: percentileCurve(r.samples),
        roundsPerS: elapsedS > 0 ? r.samples.length / elapsedS : 0,
        elapsedS,
      },
      cpu,
    };
  });
}

function percentileCurve(samples: number[]): number[] {
  if (samples.length === 0) return [];
  const sorted = Float64Array.from(samples).sort();
  return Array.from({ length: 101 }, (_, q) => percentile(sorted, q / 100));
}

export function latencyRows(r: LatencyResults, floor: FloorResults | null): Row[] {
  return [
    ...fieldRows(r, [
      ['rounds', 'round trips', ''],
      ['lost', 'lost', ''],
    ]),
    ...quantileRows('roundTrip', 'round trip', r.roundTripMs, ['p50', 'p90', 'p99', 'p999', 'max', 'mean'], {
      summary: floor?.ipc?.fsWatch.roundTripMs,
      at: ['p50', 'p90', 'p99', 'p999'],
    }),
    ...fieldRows(r, [['roundsPerS', 'round trips/s', '/s']]),
    ...pathFloorRows(r, floor),
  ];
}

/**
 * The whole path's floor: a tfgw round trip is two file hops (the file-IPC round
 * trip) plus four loopback TCP hops (two TCP round trips), before any protocol work.
 */
function pathFloorRows(r: LatencyResults, floor: FloorResults | null): Row[] {
  const file = floor?.ipc?.fsWatch.roundTripMs?.p50 ?? null;
  const tcp = floor?.tcp?.roundTripMs?.p50 ?? null;
  if (file === null || tcp === null) return [];
  const label = 'round trip p50 vs 2 file hops + 4 TCP hops';
  return [figure('roundTrip.p50.vsPath', label, r.roundTripMs?.p50, 'ms', asCost(file + 2 * tcp))];
}
