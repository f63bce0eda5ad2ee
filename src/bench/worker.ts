/**
 * A bench worker process: forked by the coordinator (pool.ts), it runs one job
 * of one mode against the target, reports its counters a few times a second,
 * and sends back its result and its CPU window.
 */
import { connectWorker } from './connect';
import { CpuMeter, cpuTimeMs } from './cpu';
import { idleWorker } from './idle';
import { latencyWorker } from './latency';
import type { Counters, FromWorker, Job, ToWorker, WorkerContext, WorkerRun } from './messages';
import { Connector } from './target';
import { throughputWorker } from './throughput-worker';

const PROGRESS_MS = 250;

const RUNS: Record<string, WorkerRun<Job, unknown>> = {
  latency: latencyWorker as WorkerRun<Job, unknown>,
  throughput: throughputWorker as WorkerRun<Job, unknown>,
  connect: connectWorker as WorkerRun<Job, unknown>,
  idle: idleWorker as WorkerRun<Job, unknown>,
};

function send(msg: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(msg, undefined, {}, () => resolve());
  });
}

const released = new Map<string, () => void>();
const early = new Set<string>();

function barrier(name: string): Promise<void> {
  const passed = new Promise<void>((resolve) => {
    if (early.delete(name)) resolve();
    else released.set(name, resolve);
  });
  void send({ type: 'barrier', name });
  return passed;
}

async function run(index: number, job: Job, connector: Connector): Promise<void> {
  const counters: Counters = {};
  const meter = new CpuMeter(`worker ${index}`);
  const ctx: WorkerContext = { index, connector, counters, barrier, meter };
  const runMode = RUNS[job.mode];
  if (!runMode) throw new Error(`unknown bench mode ${job.mode}`);
  const ticker = setInterval(() => void send({ type: 'progress', counters, cpuMs: cpuTimeMs() }), PROGRESS_MS);
  ticker.unref();
  try {
    const result = await runMode(job, ctx);
    await send({ type: 'done', result, cpu: meter.stop(), counters });
  } finally {
    clearInterval(ticker);
  }
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'release') {
    const resolve = released.get(msg.name);
    if (resolve) {
      released.delete(msg.name);
      resolve();
    } else {
      early.add(msg.name);
    }
    return;
  }
  run(msg.index, msg.job, new Connector(msg.target)).then(
    () => process.exit(0),
    async (error: Error) => {
      await send({ type: 'error', message: error.message });
      process.exit(1);
    },
  );
});

// The coordinator went away: nothing left to report to.
process.on('disconnect', () => process.exit(1));
