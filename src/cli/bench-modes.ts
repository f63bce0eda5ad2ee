/**
 * The modes of `tfgw bench` that run against a server, each as one entry: its
 * options, and from the parsed flags what the report shows as asked, which
 * floors it is read against, how to run it and how its table reads. bench.ts
 * registers them all the same way.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { connectRows, runConnect } from '../bench/connect';
import type { FloorKind, FloorResults } from '../bench/floor';
import { idleRows, runIdle } from '../bench/idle';
import { latencyRows, runLatency } from '../bench/latency';
import type { RunOutcome } from '../bench/pool';
import type { Row } from '../bench/report';
import type { Target } from '../bench/target';
import { runThroughput, throughputRows } from '../bench/throughput';
import { MAX_MESSAGE } from '../protocol/limits';
import { type RunFlags, defaultWorkers, intArg, runTag, secondsArg } from './bench-args';

/** A mode's run as the flags ask for it. */
export interface ModePlan {
  /** What was asked, as the report shows it. */
  params: Record<string, unknown>;
  /** The floors to measure first with --floor, and at which message size. */
  floors: FloorKind[];
  size: number;
  /** Runs the mode and lays out its table against the floor. */
  run(target: Target, floor: FloorResults | null): Promise<RunOutcome<unknown> & { rows: Row[] }>;
}

export interface BenchMode<F extends RunFlags> {
  name: string;
  description: string;
  /** The mode's own options; the shared ones come after them. */
  options(cmd: Command): Command;
  // A method, so that a mode taking its own flags type stands in a list of modes taking RunFlags.
  plan(flags: F): ModePlan;
}

/** A plan from the mode's run and its row builder. */
function planOf<R>(
  params: Record<string, unknown>,
  floors: FloorKind[],
  size: number,
  run: (target: Target) => Promise<RunOutcome<R>>,
  rowsOf: (results: R, floor: FloorResults | null) => Row[],
): ModePlan {
  return {
    params,
    floors,
    size,
    run: async (target, floor) => {
      const outcome = await run(target);
      return { ...outcome, rows: rowsOf(outcome.results, floor) };
    },
  };
}

const sizeOption = (fallback: number) => ['-s, --size <bytes>', `message size (12 to ${MAX_MESSAGE})`, intArg(12, MAX_MESSAGE), fallback] as const;

interface LatencyFlags extends RunFlags {
  count: number;
  warmup: number;
  size: number;
  roundTimeout: number;
}

const latency: BenchMode<LatencyFlags> = {
  name: 'latency',
  description: 'one pair ping-pongs a message: round-trip percentiles',
  options: (cmd) =>
    cmd
      .option('-n, --count <n>', 'timed round trips', intArg(1), 1000)
      .option('--warmup <n>', 'round trips before timing starts', intArg(0), 100)
      .option(...sizeOption(64))
      .option('--round-timeout <ms>', 'a round trip not back by then counts as lost', intArg(1), 5000),
  plan: (flags) => {
    const tag = runTag(flags);
    const { count, warmup, size, roundTimeout: timeoutMs, progress } = flags;
    const params = { count, warmup, size, roundTimeoutMs: timeoutMs, tag };
    return planOf(params, ['ipc', 'tcp'], size, (t) => runLatency(t, { count, warmup, size, timeoutMs, tag, progress }), latencyRows);
  },
};

interface ThroughputFlags extends RunFlags {
  pairs: number;
  messages: number;
  warmup: number;
  duration?: number;
  size: number;
  window: number;
  quiet: number;
  drainTimeout: number;
  openConcurrency: number;
}

const throughput: BenchMode<ThroughputFlags> = {
  name: 'throughput',
  description: 'P pairs, each sender sending to its receiver while all receivers drain: delivered msgs/s and MB/s, loss',
  options: (cmd) =>
    cmd
      .option('-P, --pairs <n>', 'sender/receiver pairs', intArg(1), 4)
      .option('-m, --messages <n>', 'messages per sender', intArg(1), 5000)
      .option('--warmup <n>', 'messages per sender before timing starts (waited for, not counted)', intArg(0), 0)
      .option('-d, --duration <seconds>', 'send for this long instead of a number of messages', secondsArg)
      .option(...sizeOption(128))
      .option('-w, --window <n>', 'most messages in flight per pair (sent minus received); 0 = no bound', intArg(0), 0)
      .option('--quiet <ms>', 'after the last send, stop waiting once nothing arrived for this long', intArg(1), 1000)
      .option('--drain-timeout <seconds>', 'longest wait for deliveries after the last send', secondsArg, 30)
      .option('--open-concurrency <n>', 'connections opened at once while setting up, per worker', intArg(1), 8)
      .option('--workers <n>', 'load-generating processes (default: half the cores)', intArg(1)),
  plan: (flags) => {
    const tag = runTag(flags);
    const workers = Math.min(flags.workers ?? defaultWorkers(), flags.pairs);
    const durationS = flags.duration ?? null;
    const { pairs, messages, warmup, size, window, quiet: quietMs } = flags;
    const params = {
      pairs,
      messages: durationS === null ? messages : undefined,
      warmup,
      durationS: durationS ?? undefined,
      size,
      window,
      quietMs,
      workers,
      tag,
    };
    const opts = { pairs, messages, warmup, durationS, size, window, quietMs, drainTimeoutS: flags.drainTimeout, workers };
    const run = (t: Target) => runThroughput(t, { ...opts, openConcurrency: flags.openConcurrency, tag, progress: flags.progress });
    return planOf(params, ['ipc', 'cipher'], size, run, throughputRows);
  },
};

interface ConnectFlags extends RunFlags {
  connections: number;
  concurrency: number;
}

const connect: BenchMode<ConnectFlags> = {
  name: 'connect',
  description: 'full connection sequences per second with C concurrent connectors, each followed by END',
  options: (cmd) =>
    cmd
      .option('-N, --connections <n>', 'connections in total', intArg(1), 200)
      .option('-C, --concurrency <n>', 'connectors at once', intArg(1), 4)
      .option('--workers <n>', 'load-generating processes', intArg(1), 1),
  plan: (flags) => {
    const { connections, concurrency, progress } = flags;
    const params = { connections, concurrency, workers: Math.min(flags.workers ?? 1, concurrency) };
    return planOf(params, ['node'], 64, (t) => runConnect(t, { ...params, progress }), connectRows);
  },
};

interface IdleFlags extends RunFlags {
  serverGroup?: number;
  peers: number;
  hold: number;
  concurrency: number;
}

const idle: BenchMode<IdleFlags> = {
  name: 'idle',
  description: 'open N gateway peers with distinct identities and hold them; with --spool, the memory (PSS) of their sessions',
  options: (cmd) =>
    cmd
      .option('-N, --peers <n>', 'peers to open and hold', intArg(1), 100)
      .option('--hold <seconds>', 'how long to hold them once all are open', secondsArg, 5)
      .option('-C, --concurrency <n>', 'peers being opened at once', intArg(1), 8)
      .option('--workers <n>', 'load-generating processes', intArg(1), 1)
      .option('--server-group <pgid>', 'another server forking per connection: the memory (PSS) its process group gains, per peer', intArg(1)),
  plan: (flags) => {
    const tag = runTag(flags);
    const spool = flags.spool ? path.resolve(flags.spool) : null;
    const serverGroup = flags.serverGroup ?? null;
    const opts = { peers: flags.peers, holdS: flags.hold, concurrency: flags.concurrency, workers: Math.min(flags.workers ?? 1, flags.peers) };
    const params = { ...opts, spool: spool ?? undefined, serverGroup: serverGroup ?? undefined, tag };
    return planOf(params, ['node'], 64, (t) => runIdle(t, { ...opts, spool, serverGroup, tag, progress: flags.progress }), idleRows);
  },
};

/** In the order `tfgw bench --help` lists them. */
export const BENCH_MODES: BenchMode<RunFlags>[] = [latency, throughput, connect, idle];
