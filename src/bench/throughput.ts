/**
 * `bench throughput`: P pairs; each pair's sender sends M messages (or sends
 * for a duration) to its receiver while every receiver drains at the same time.
 * The pairs are spread over the worker processes, each pair within one worker.
 * A window bounds the messages in flight per pair (sent minus received). Loss is
 * allowed by the protocol: at the end each worker waits for a quiet period to
 * count late deliveries, and what never came is reported as lost. Warm-up
 * messages (sent on the same connections before timing starts, and waited for)
 * let a server that compiles its hot paths as it goes reach its steady state.
 * This file is the coordinator's half; throughput-worker.ts the worker's.
 */
import type { FloorResults } from './floor';
import { type PoolOptions, type RunOutcome, withPool } from './pool';
import type { Row } from './report';
import { asRate, fieldRows, quantileRows } from './rows';
import { Histogram, type Summary } from './stats';
import type { Target } from './target';
import type { ThroughputJob, ThroughputWorkerResult } from './throughput-worker';

export interface ThroughputOptions {
  pairs: number;
  /** Per sender; ignored when durationS is set. */
  messages: number;
  /** Per sender, before timing starts; not counted. */
  warmup: number;
  durationS: number | null;
  size: number;
  /** Most messages in flight per pair; 0 for no bound. */
  window: number;
  /** Silence (ms) after which what has not arrived is counted lost. */
  quietMs: number;
  /** Upper bound (s) on waiting for deliveries after the last send. */
  drainTimeoutS: number;
  workers: number;
  /** Connections opened at once while setting up. */
  openConcurrency: number;
  tag: string;
  progress?: boolean;
}

export interface ThroughputResults {
  pairs: number;
  size: number;
  sent: number;
  received: number;
  lost: number;
  lossPercent: number;
  /** Deliveries with a sequence number below one already seen from the same sender. */
  outOfOrder: number;
  /** Times a full window saw no delivery for the quiet period and its messages were written off. */
  windowStalls: number;
  /** Seconds from the first send to the last delivery. */
  elapsedS: number;
  msgsPerS: number;
  /** 10^6 bytes of message per second delivered. */
  MBps: number;
  /** The offered load: messages sent per second of sending. */
  sendMsgsPerS: number;
  /** Send to delivery, per message (histogram, about 1 % resolution). */
  deliveryMs: Summary | null;
}

export async function runThroughput(target: Target, opts: ThroughputOptions): Promise<RunOutcome<ThroughputResults>> {
  const workers = Math.max(1, Math.min(opts.workers, opts.pairs));
  const jobs: ThroughputJob[] = Array.from({ length: workers }, (_, w) => ({
    mode: 'throughput',
    pairs: Array.from({ length: opts.pairs }, (_, i) => i).filter((i) => i % workers === w),
    messages: opts.messages,
    warmup: opts.warmup,
    durationMs: opts.durationS === null ? null : opts.durationS * 1000,
    size: opts.size,
    window: opts.window,
    quietMs: opts.quietMs,
    drainTimeoutMs: opts.drainTimeoutS * 1000,
    openConcurrency: opts.openConcurrency,
    tag: opts.tag,
  }));
  const total = opts.durationS === null ? ` of ${opts.pairs * opts.messages}` : '';
  let last = { at: 0, received: 0, rate: 0 };
  const render: PoolOptions['render'] = (c, s) => {
    const received = c.received ?? 0;
    if (s > last.at) last = { at: s, received, rate: last.at > 0 ? (received - last.received) / (s - last.at) : 0 };
    if ((c.sent ?? 0) === 0) return `throughput  ${s.toFixed(1)} s  opening ${c.open ?? 0}/${2 * opts.pairs} peers`;
    return (
      `throughput  ${s.toFixed(1)} s  sent ${c.sent}${total}  received ${received}` +
      `  ${Math.round(last.rate)} msg/s`
    );
  };
  return withPool<ThroughputWorkerResult, RunOutcome<ThroughputResults>>(target, jobs, { progress: opts.progress, render }, async (pool) => {
    await pool.pass('go');
    const { results, cpu } = await pool.done();
    return { results: combine(results, opts), cpu, warnings: warningsOf(results) };
  });
}

function combine(parts: ThroughputWorkerResult[], opts: ThroughputOptions): ThroughputResults {
  const sum = (f: (r: ThroughputWorkerResult) => number) => parts.reduce((s, r) => s + f(r), 0);
  const sent = sum((r) => r.sent);
  const received = sum((r) => r.received);
  const bytes = sum((r) => r.bytesReceived);
  const firstSendAt = Math.min(...parts.map((r) => r.firstSendAt));
  const lastSendAt = Math.max(...parts.map((r) => r.lastSendAt));
  const lastReceiveAt = Math.max(...parts.map((r) => r.lastReceiveAt));
  const elapsedS = Math.max(0, lastReceiveAt - firstSendAt) / 1000;
  const sendS = Math.max(0, lastSendAt - firstSendAt) / 1000;
  const latency = new Histogram();
  for (const r of parts) latency.merge(r.latency);
  return {
    pairs: opts.pairs,
    size: opts.size,
    sent,
    received,
    lost: sent - received,
    lossPercent: sent > 0 ? (100 * (sent - received)) / sent : 0,
    outOfOrder: sum((r) => r.outOfOrder),
    windowStalls: sum((r) => r.windowStalls),
    elapsedS,
    msgsPerS: elapsedS > 0 ? received / elapsedS : 0,
    MBps: elapsedS > 0 ? bytes / elapsedS / 1e6 : 0,
    sendMsgsPerS: sendS > 0 ? sent / sendS : 0,
    deliveryMs: latency.summary(),
  };
}

function warningsOf(parts: ThroughputWorkerResult[]): string[] {
  return parts.some((r) => r.drainTimedOut)
    ? ['deliveries were still arriving when the drain timeout ended the wait (see --drain-timeout)']
    : [];
}

export function throughputRows(r: ThroughputResults, floor: FloorResults | null): Row[] {
  const cEnc = floor?.cipher?.cNsPerByte?.enc ?? null;
  return [
    ...fieldRows(r, [
      ['sent', 'sent', 'msgs'],
      ['received', 'received', 'msgs'],
      ['lost', 'lost', 'msgs'],
      ['lossPercent', 'lost share', '%'],
      ['outOfOrder', 'out of order', 'msgs'],
      ['elapsedS', 'elapsed', 's'],
      ['msgsPerS', 'delivered', 'msgs/s', asRate(floor?.ipc?.fsWatch.streamMsgsPerS ?? null)],
      ['MBps', 'delivered', 'MB/s', asRate(cEnc ? 1000 / cEnc : null)],
      ['sendMsgsPerS', 'send rate', 'msgs/s'],
    ]),
    ...quantileRows('delivery', 'send to delivery', r.deliveryMs, ['p50', 'p99', 'max'], {
      summary: floor?.ipc?.fsWatch.oneHopMs,
      at: ['p50', 'p99'],
    }),
  ];
}
