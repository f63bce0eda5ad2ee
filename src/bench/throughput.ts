/**
 * `bench throughput`: P pairs; each pair's sender sends M messages (or sends
 * for a duration) to its receiver while every receiver drains at the same time.
 * The pairs are spread over the worker processes, each pair within one worker.
 * A window bounds the messages in flight per pair (sent minus received). Loss is
 * allowed by the protocol: at the end each worker waits for a quiet period to
 * count late deliveries, and what never came is reported as lost. Warm-up
 * messages (sent on the same connections before timing starts, and waited for)
 * let a server that compiles its hot paths as it goes reach its steady state.
 */
import type { GatewayPeer, TfClient } from '../client';
import { nextTurn, nowMs, sleep } from './clock';
import { forEachLimit } from './concurrency';
import type { FloorResults } from './floor';
import type { Job, WorkerRun } from './messages';
import { makeBody, readStamp, stamp } from './payload';
import { type RunOutcome, withPool } from './pool';
import { type Row, rateRatio, costRatio } from './report';
import { Histogram, type HistogramData, type Summary } from './stats';
import type { Target } from './target';
import { teardown } from './teardown';

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

interface ThroughputJob extends Job {
  mode: 'throughput';
  pairs: number[];
  messages: number;
  warmup: number;
  durationMs: number | null;
  size: number;
  window: number;
  quietMs: number;
  drainTimeoutMs: number;
  openConcurrency: number;
  tag: string;
}

interface ThroughputWorkerResult {
  sent: number;
  received: number;
  bytesReceived: number;
  outOfOrder: number;
  windowStalls: number;
  drainTimedOut: boolean;
  firstSendAt: number;
  lastSendAt: number;
  lastReceiveAt: number;
  latency: HistogramData;
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

class Pair {
  sent = 0;
  received = 0;
  writtenOff = 0;
  expect = 0;
  private wake: (() => void) | null = null;

  constructor(
    readonly sender: GatewayPeer,
    readonly receiver: GatewayPeer,
    readonly receiverId: string,
  ) {}

  /** Forgets the warm-up. */
  reset(): void {
    this.sent = 0;
    this.received = 0;
    this.writtenOff = 0;
    this.expect = 0;
  }

  get inFlight(): number {
    return this.sent - this.received - this.writtenOff;
  }

  delivered(): void {
    this.received++;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Resolves on the next delivery, or with false after `ms` without one. */
  nextDelivery(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}

export const throughputWorker: WorkerRun<ThroughputJob, ThroughputWorkerResult> = async (job, ctx) => {
  const c = ctx.counters;
  c.sent = 0;
  c.received = 0;
  c.open = 0;
  const clients: TfClient[] = [];
  const latency = new Histogram();
  let bytesReceived = 0;
  let outOfOrder = 0;
  let lastReceiveAt = 0;
  let failure: Error | null = null;
  const pairs: Pair[] = [];

  const enter = async (identity: string): Promise<GatewayPeer> => {
    const client = await ctx.connector.connect();
    clients.push(client);
    const peer = await client.enterGateway(identity, { buffer: false });
    peer.on('end', (error) => {
      if (error && !failure) failure = error;
    });
    c.open!++;
    return peer;
  };

  // Receivers first, so nothing is sent to an identity not yet in the gateway.
  await forEachLimit(job.pairs, job.openConcurrency, async (i) => {
    const receiverId = `${job.tag}-r${i}`;
    const receiver = await enter(receiverId);
    const sender = await enter(`${job.tag}-s${i}`);
    const pair = new Pair(sender, receiver, receiverId);
    receiver.on('message', (m) => {
      const at = nowMs();
      lastReceiveAt = at;
      bytesReceived += m.length;
      c.received!++;
      const s = readStamp(m);
      if (s) {
        latency.record(at - s.sentAt);
        if (s.seq < pair.expect) outOfOrder++;
        else pair.expect = s.seq + 1;
      }
      pair.delivered();
    });
    pairs.push(pair);
  });

  const sent = () => pairs.reduce((s, p) => s + p.sent, 0);
  const received = () => pairs.reduce((s, p) => s + p.received, 0);

  if (job.warmup > 0) {
    await Promise.all(
      pairs.map(async (pair) => {
        const body = makeBody(job.size);
        for (let seq = 0; seq < job.warmup; seq++) {
          if (failure) throw failure;
          pair.sent++;
          await pair.sender.send(pair.receiverId, stamp(body, seq, nowMs()));
          if ((seq & 31) === 31) await nextTurn();
        }
      }),
    );
    // Everything sent must be in (or nothing came for a quiet period) before the counts restart.
    let seen = -1;
    let seenAt = nowMs();
    while (received() < sent() && !failure && nowMs() - seenAt < job.quietMs) {
      if (received() !== seen) {
        seen = received();
        seenAt = nowMs();
      }
      await sleep(10);
    }
    if (failure) throw failure;
    for (const pair of pairs) pair.reset();
    latency.clear();
    bytesReceived = 0;
    outOfOrder = 0;
    c.sent = 0;
    c.received = 0;
  }

  await ctx.barrier('go');
  ctx.meter.start();
  const goAt = nowMs();
  let firstSendAt = Number.POSITIVE_INFINITY;
  let lastSendAt = 0;
  let windowStalls = 0;
  const deadline = job.durationMs === null ? Number.POSITIVE_INFINITY : goAt + job.durationMs;

  const runSender = async (pair: Pair) => {
    const body = makeBody(job.size);
    for (let seq = 0; job.durationMs === null ? seq < job.messages : nowMs() < deadline; seq++) {
      if (failure) throw failure;
      while (job.window > 0 && pair.inFlight >= job.window) {
        if (!(await pair.nextDelivery(job.quietMs))) {
          // Nothing came for a quiet period: what is in flight is taken as lost.
          pair.writtenOff = pair.sent - pair.received;
          windowStalls++;
        }
      }
      const at = nowMs();
      if (at < firstSendAt) firstSendAt = at;
      pair.sent++;
      c.sent!++;
      await pair.sender.send(pair.receiverId, stamp(body, seq, at));
      lastSendAt = nowMs();
      // send() resolves at once while the socket takes the bytes: let deliveries in.
      if ((seq & 31) === 31) await nextTurn();
    }
  };
  await Promise.all(pairs.map(runSender));

  // Count late deliveries: wait until everything came, or nothing came for a quiet period.
  const sendsDoneAt = nowMs();
  let drainTimedOut = false;
  while (received() < sent() && !failure) {
    const now = nowMs();
    if (now - Math.max(lastReceiveAt, sendsDoneAt) >= job.quietMs) break;
    if (now - sendsDoneAt >= job.drainTimeoutMs) {
      drainTimedOut = true;
      break;
    }
    await sleep(10);
  }
  if (failure) throw failure;
  ctx.meter.stop();
  const result: ThroughputWorkerResult = {
    sent: sent(),
    received: received(),
    bytesReceived,
    outOfOrder,
    windowStalls,
    drainTimedOut,
    firstSendAt: Number.isFinite(firstSendAt) ? firstSendAt : goAt,
    lastSendAt,
    lastReceiveAt,
    latency: latency.toJSON(),
  };
  await teardown(
    pairs.flatMap((p) => [p.sender, p.receiver]),
    clients,
    job.openConcurrency,
  );
  return result;
};

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
  return withPool<ThroughputWorkerResult, RunOutcome<ThroughputResults>>(
    target,
    jobs,
    {
      progress: opts.progress,
      render: (c, s) => {
        const received = c.received ?? 0;
        if (s > last.at) last = { at: s, received, rate: last.at > 0 ? (received - last.received) / (s - last.at) : 0 };
        if ((c.sent ?? 0) === 0) return `throughput  ${s.toFixed(1)} s  opening ${c.open ?? 0}/${2 * opts.pairs} peers`;
        return (
          `throughput  ${s.toFixed(1)} s  sent ${c.sent}${total}  received ${received}` +
          `  ${Math.round(last.rate)} msg/s`
        );
      },
    },
    async (pool) => {
      await pool.arrived('go');
      pool.release('go');
      const { results, cpu } = await pool.done();
      return { results: combine(results, opts), cpu, warnings: warningsOf(results) };
    },
  );
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
  const stream = floor?.ipc?.fsWatch.streamMsgsPerS ?? null;
  const hop = floor?.ipc?.fsWatch.oneHopMs ?? null;
  const cEnc = floor?.cipher?.cNsPerByte?.enc ?? null;
  const cipherMBps = cEnc ? 1000 / cEnc : null;
  const d = r.deliveryMs;
  return [
    { key: 'sent', label: 'sent', value: r.sent, unit: 'msgs' },
    { key: 'received', label: 'received', value: r.received, unit: 'msgs' },
    { key: 'lost', label: 'lost', value: r.lost, unit: 'msgs' },
    { key: 'lossPercent', label: 'lost share', value: r.lossPercent, unit: '%' },
    { key: 'outOfOrder', label: 'out of order', value: r.outOfOrder, unit: 'msgs' },
    { key: 'elapsedS', label: 'elapsed', value: r.elapsedS, unit: 's' },
    {
      key: 'msgsPerS',
      label: 'delivered',
      value: r.msgsPerS,
      unit: 'msgs/s',
      floor: stream,
      ratio: rateRatio(r.msgsPerS, stream),
    },
    { key: 'MBps', label: 'delivered', value: r.MBps, unit: 'MB/s', floor: cipherMBps, ratio: rateRatio(r.MBps, cipherMBps) },
    { key: 'sendMsgsPerS', label: 'send rate', value: r.sendMsgsPerS, unit: 'msgs/s' },
    {
      key: 'delivery.p50',
      label: 'send to delivery p50',
      value: d?.p50 ?? null,
      unit: 'ms',
      floor: hop?.p50,
      ratio: costRatio(d?.p50, hop?.p50),
    },
    {
      key: 'delivery.p99',
      label: 'send to delivery p99',
      value: d?.p99 ?? null,
      unit: 'ms',
      floor: hop?.p99,
      ratio: costRatio(d?.p99, hop?.p99),
    },
    { key: 'delivery.max', label: 'send to delivery max', value: d?.max ?? null, unit: 'ms' },
  ];
}
