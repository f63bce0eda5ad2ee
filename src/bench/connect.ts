/**
 * `bench connect`: full connection sequences per second. C connectors, spread
 * over the worker processes, each repeat: TCP connect, version, session key,
 * hash (timed up to the hash's OK), then END and wait for the server to close.
 */
import { nowMs } from './clock';
import { settleWithin, shares } from './concurrency';
import type { FloorResults } from './floor';
import type { Job, WorkerRun } from './messages';
import { type RunOutcome, withPool } from './pool';
import { type Row, costRatio } from './report';
import { type Summary, summarize } from './stats';
import type { Target } from './target';

/** How long a connection may stay open after END before it counts as failed. */
const CLOSE_WAIT_MS = 5000;

export interface ConnectOptions {
  connections: number;
  concurrency: number;
  workers: number;
  progress?: boolean;
}

interface ConnectJob extends Job {
  mode: 'connect';
  connections: number;
  concurrency: number;
}

interface ConnectWorkerResult {
  handshakeMs: number[];
  closeMs: number[];
  failures: Record<string, number>;
  startAt: number;
  endAt: number;
}

export interface ConnectResults {
  connections: number;
  concurrency: number;
  completed: number;
  failed: number;
  /** Failure messages and how often each came. */
  failures: Record<string, number>;
  elapsedS: number;
  /** Completed connections (sequence, END, close) per second. */
  handshakesPerS: number;
  /** From the TCP connect to the hash's OK. */
  handshakeMs: Summary | null;
  /** From sending END to the server's close. */
  closeMs: Summary | null;
}

export const connectWorker: WorkerRun<ConnectJob, ConnectWorkerResult> = async (job, ctx) => {
  const c = ctx.counters;
  c.done = 0;
  c.failed = 0;
  const handshakeMs: number[] = [];
  const closeMs: number[] = [];
  const failures: Record<string, number> = {};
  await ctx.barrier('go');
  ctx.meter.start();
  const startAt = nowMs();
  let claimed = 0;
  const connector = async () => {
    while (claimed < job.connections) {
      claimed++;
      const t0 = nowMs();
      try {
        const client = await ctx.connector.connect();
        const t1 = nowMs();
        const closed = client.end();
        if (!(await settleWithin(closed, CLOSE_WAIT_MS))) {
          client.close();
          throw new Error(`no close within ${CLOSE_WAIT_MS} ms of END`);
        }
        await closed;
        handshakeMs.push(t1 - t0);
        closeMs.push(nowMs() - t1);
        c.done!++;
      } catch (error) {
        const message = (error as Error).message;
        failures[message] = (failures[message] ?? 0) + 1;
        c.failed!++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, job.concurrency) }, connector));
  const endAt = nowMs();
  ctx.meter.stop();
  return { handshakeMs, closeMs, failures, startAt, endAt };
};

export async function runConnect(target: Target, opts: ConnectOptions): Promise<RunOutcome<ConnectResults>> {
  const workers = Math.max(1, Math.min(opts.workers, opts.concurrency, opts.connections));
  const counts = shares(opts.connections, workers);
  const lanes = shares(opts.concurrency, workers);
  const jobs: ConnectJob[] = counts.map((connections, w) => ({ mode: 'connect', connections, concurrency: lanes[w]! }));
  return withPool<ConnectWorkerResult, RunOutcome<ConnectResults>>(
    target,
    jobs,
    {
      progress: opts.progress,
      render: (c, s) => {
        const done = c.done ?? 0;
        return `connect  ${s.toFixed(1)} s  ${done}/${opts.connections} done  ${c.failed ?? 0} failed  ${s > 0 ? Math.round(done / s) : 0}/s`;
      },
    },
    async (pool) => {
      await pool.arrived('go');
      pool.release('go');
      const { results, cpu } = await pool.done();
      const failures: Record<string, number> = {};
      for (const r of results) for (const [m, n] of Object.entries(r.failures)) failures[m] = (failures[m] ?? 0) + n;
      const handshakes = results.flatMap((r) => r.handshakeMs);
      const elapsedS = (Math.max(...results.map((r) => r.endAt)) - Math.min(...results.map((r) => r.startAt))) / 1000;
      const failed = Object.values(failures).reduce((s, n) => s + n, 0);
      return {
        results: {
          connections: opts.connections,
          concurrency: opts.concurrency,
          completed: handshakes.length,
          failed,
          failures,
          elapsedS,
          handshakesPerS: elapsedS > 0 ? handshakes.length / elapsedS : 0,
          handshakeMs: summarize(handshakes),
          closeMs: summarize(results.flatMap((r) => r.closeMs)),
        },
        cpu,
        warnings: failed > 0 ? [`${failed} connection(s) failed: ${Object.keys(failures).slice(0, 3).join('; ')}`] : [],
        nothingDone: handshakes.length === 0,
      };
    },
  );
}

export function connectRows(r: ConnectResults, floor: FloorResults | null): Row[] {
  const start = floor?.node?.startupMs ?? null;
  const h = r.handshakeMs;
  return [
    { key: 'completed', label: 'connections', value: r.completed, unit: '' },
    { key: 'failed', label: 'failed', value: r.failed, unit: '' },
    { key: 'elapsedS', label: 'elapsed', value: r.elapsedS, unit: 's' },
    { key: 'handshakesPerS', label: 'handshakes', value: r.handshakesPerS, unit: '/s' },
    {
      key: 'handshake.p50',
      label: 'connect to hash OK p50',
      value: h?.p50 ?? null,
      unit: 'ms',
      floor: start?.p50,
      ratio: costRatio(h?.p50, start?.p50),
    },
    { key: 'handshake.p90', label: 'connect to hash OK p90', value: h?.p90 ?? null, unit: 'ms' },
    {
      key: 'handshake.p99',
      label: 'connect to hash OK p99',
      value: h?.p99 ?? null,
      unit: 'ms',
      floor: start?.p99,
      ratio: costRatio(h?.p99, start?.p99),
    },
    { key: 'handshake.max', label: 'connect to hash OK max', value: h?.max ?? null, unit: 'ms' },
    { key: 'close.p50', label: 'END to close p50', value: r.closeMs?.p50 ?? null, unit: 'ms' },
  ];
}
