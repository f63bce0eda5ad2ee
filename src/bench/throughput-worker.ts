/**
 * The worker half of `bench throughput` (the coordinator's half is
 * throughput.ts): it opens its pairs, warms them up, sends within the window
 * while every receiver drains, then waits for late deliveries and reports its
 * counts and its delivery-time histogram.
 */
import type { GatewayPeer, TfClient } from '../client';
import { nextTurn, nowMs, sleep } from './clock';
import { forEachLimit } from './concurrency';
import type { Counters, Job, WorkerContext, WorkerRun } from './messages';
import { makeBody, readStamp, stamp } from './payload';
import { Histogram, type HistogramData } from './stats';
import { teardown } from './teardown';

export interface ThroughputJob extends Job {
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

export interface ThroughputWorkerResult {
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

/** One worker's pairs and what they counted. */
class ThroughputSide {
  readonly clients: TfClient[] = [];
  readonly pairs: Pair[] = [];
  readonly latency = new Histogram();
  bytesReceived = 0;
  outOfOrder = 0;
  lastReceiveAt = 0;
  firstSendAt = Number.POSITIVE_INFINITY;
  lastSendAt = 0;
  windowStalls = 0;
  failure: Error | null = null;
  private readonly c: Counters;

  constructor(
    private readonly job: ThroughputJob,
    private readonly ctx: WorkerContext,
  ) {
    this.c = ctx.counters;
    this.c.sent = 0;
    this.c.received = 0;
    this.c.open = 0;
  }

  sent(): number {
    return this.pairs.reduce((s, p) => s + p.sent, 0);
  }

  received(): number {
    return this.pairs.reduce((s, p) => s + p.received, 0);
  }

  /** Throws the first failure any peer ended with. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  private async enter(identity: string, receiving: boolean): Promise<GatewayPeer> {
    const client = await (receiving ? this.ctx.connector.connectReceiver() : this.ctx.connector.connect());
    this.clients.push(client);
    const peer = await client.enterGateway(identity, { buffer: false });
    peer.on('end', (error) => {
      if (error && !this.failure) this.failure = error;
    });
    this.c.open!++;
    return peer;
  }

  /** Receivers first, so nothing is sent to an identity not yet in the gateway. */
  async open(): Promise<void> {
    await forEachLimit(this.job.pairs, this.job.openConcurrency, async (i) => {
      const receiverId = `${this.job.tag}-r${i}`;
      const receiver = await this.enter(receiverId, true);
      const sender = await this.enter(`${this.job.tag}-s${i}`, false);
      const pair = new Pair(sender, receiver, receiverId);
      receiver.on('message', (m) => this.onDelivery(pair, m));
      this.pairs.push(pair);
    });
  }

  private onDelivery(pair: Pair, m: Buffer): void {
    const at = nowMs();
    this.lastReceiveAt = at;
    this.bytesReceived += m.length;
    this.c.received!++;
    const s = readStamp(m);
    if (s) {
      this.latency.record(at - s.sentAt);
      if (s.seq < pair.expect) this.outOfOrder++;
      else pair.expect = s.seq + 1;
    }
    pair.delivered();
  }

  /** Sends the warm-up, waits for it, and forgets it. */
  async warmUp(): Promise<void> {
    await Promise.all(
      this.pairs.map(async (pair) => {
        const body = makeBody(this.job.size);
        for (let seq = 0; seq < this.job.warmup; seq++) {
          this.check();
          pair.sent++;
          await pair.sender.send(pair.receiverId, stamp(body, seq, nowMs()));
          if ((seq & 31) === 31) await nextTurn();
        }
      }),
    );
    // Everything sent must be in (or nothing came for a quiet period) before the counts restart.
    let seen = -1;
    let seenAt = nowMs();
    while (this.received() < this.sent() && !this.failure && nowMs() - seenAt < this.job.quietMs) {
      if (this.received() !== seen) {
        seen = this.received();
        seenAt = nowMs();
      }
      await sleep(10);
    }
    this.check();
    for (const pair of this.pairs) pair.reset();
    this.latency.clear();
    this.bytesReceived = 0;
    this.outOfOrder = 0;
    this.c.sent = 0;
    this.c.received = 0;
  }

  /** One pair's timed sends, kept within the window. */
  async runSender(pair: Pair, deadline: number): Promise<void> {
    const job = this.job;
    const body = makeBody(job.size);
    for (let seq = 0; job.durationMs === null ? seq < job.messages : nowMs() < deadline; seq++) {
      this.check();
      while (job.window > 0 && pair.inFlight >= job.window) {
        if (!(await pair.nextDelivery(job.quietMs))) {
          // Nothing came for a quiet period: what is in flight is taken as lost.
          pair.writtenOff = pair.sent - pair.received;
          this.windowStalls++;
        }
      }
      const at = nowMs();
      if (at < this.firstSendAt) this.firstSendAt = at;
      pair.sent++;
      this.c.sent!++;
      await pair.sender.send(pair.receiverId, stamp(body, seq, at));
      this.lastSendAt = nowMs();
      // send() resolves at once while the socket takes the bytes: let deliveries in.
      if ((seq & 31) === 31) await nextTurn();
    }
  }

  /** Counts late deliveries: waits until everything came, or nothing came for a quiet period. Returns whether the drain timeout ended the wait. */
  async drain(): Promise<boolean> {
    const sendsDoneAt = nowMs();
    while (this.received() < this.sent() && !this.failure) {
      const now = nowMs();
      if (now - Math.max(this.lastReceiveAt, sendsDoneAt) >= this.job.quietMs) break;
      if (now - sendsDoneAt >= this.job.drainTimeoutMs) return true;
      await sleep(10);
    }
    return false;
  }

  result(goAt: number, drainTimedOut: boolean): ThroughputWorkerResult {
    return {
      sent: this.sent(),
      received: this.received(),
      bytesReceived: this.bytesReceived,
      outOfOrder: this.outOfOrder,
      windowStalls: this.windowStalls,
      drainTimedOut,
      firstSendAt: Number.isFinite(this.firstSendAt) ? this.firstSendAt : goAt,
      lastSendAt: this.lastSendAt,
      lastReceiveAt: this.lastReceiveAt,
      latency: this.latency.toJSON(),
    };
  }
}

export const throughputWorker: WorkerRun<ThroughputJob, ThroughputWorkerResult> = async (job, ctx) => {
  const side = new ThroughputSide(job, ctx);
  await side.open();
  if (job.warmup > 0) await side.warmUp();
  await ctx.barrier('go');
  ctx.meter.start();
  const goAt = nowMs();
  const deadline = job.durationMs === null ? Number.POSITIVE_INFINITY : goAt + job.durationMs;
  await Promise.all(side.pairs.map((pair) => side.runSender(pair, deadline)));
  const drainTimedOut = await side.drain();
  side.check();
  ctx.meter.stop();
  const result = side.result(goAt, drainTimedOut);
  await teardown(
    side.pairs.flatMap((p) => [p.sender, p.receiver]),
    side.clients,
    job.openConcurrency,
  );
  return result;
};
