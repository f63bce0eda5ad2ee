/**
 * `bench connect`: full connection sequences per second. C connectors, spread
 * over the worker processes, each repeat: TCP connect, version, session key,
 * hash (timed up to the hash's OK), then END and wait for the server to close.
 */
import { type Failures, countFailure, mergeFailures, someFailures } from './failures';
import { nowMs } from './clock';
import { settleWithin, shares } from './concurrency';
import type { FloorResults } from './floor';
import type { Job, WorkerRun } from './messages';
import { type PoolOptions, type RunOutcome, withPool } from './pool';
import type { Row } from './report';
import { fieldRows, quantileRows } from './rows';
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
  failures: Failures;
  startAt: number;
  endAt: number;
}

export interface ConnectResults {
  connections: number;
  concurrency: number;
  completed: number;
  failed: number;
  /** Failure messages and how often each came. */
  failures: Failures;
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
  const failures: Failures = {};
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
        countFailure(failures, error);
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
  const render: PoolOptions['render'] = (c, s) => {
    const done = c.done ?? 0;
    return `connect  ${s.toFixed(1)} s  ${done}/${opts.connections} done  ${c.failed ?? 0} failed  ${s > 0 ? Math.round(done / s) : 0}/s`;
  };
  return withPool<ConnectWorkerResult, RunOutcome<ConnectResults>>(target, jobs, { progress: opts.progress, render }, async (pool) => {
    await pool.pass('go');
    const { results, cpu } = await pool.done();
    const { failures, failed } = mergeFailures(results);
    const handshakes = results.flatMap((r) => r.handshakeMs);
    const elapsedS = (Math.max(...results.map((r) => r.endAt)) - Math.min(...results.map((r) => r.startAt))) / 1000;
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
      warnings: failed > 0 ? [`${failed} connection(s) failed: ${someFailures(failures)}`] : [],
      nothingDone: handshakes.length === 0,
    };
  });
}

export function connectRows(r: ConnectResults, floor: FloorResults | null): Row[] {
  return [
    ...fieldRows(r, [
      ['completed', 'connections', ''],
      ['failed', 'failed', ''],
      ['elapsedS', 'elapsed', 's'],
      ['handshakesPerS', 'handshakes', '/s'],
    ]),
    ...quantileRows('handshake', 'connect to hash OK', r.handshakeMs, ['p50', 'p90', 'p99', 'max'], {
      summary: floor?.node?.startupMs,
      at: ['p50', 'p99'],
    }),
    ...quantileRows('close', 'END to close', r.closeMs, ['p50']),
  ];
}
