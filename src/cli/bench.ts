/**
 * `tfgw bench`: load and timing for any TFProtocol gateway server (tfgw or
 * another implementation), and the floors to read the figures against.
 * Each mode prints a progress line on stderr while it runs, and a table on
 * stdout at the end (one JSON object with --json).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { runConnect, connectRows } from '../bench/connect';
import { benchCpu, bottleneckWarning } from '../bench/cpu';
import { FLOOR_KINDS, type FloorKind, type FloorResults, floorRows, runFloors } from '../bench/floor';
import { idleRows, runIdle } from '../bench/idle';
import { latencyRows, runLatency } from '../bench/latency';
import type { RunOutcome } from '../bench/pool';
import { type BenchReport, type Row, ratiosOf, renderJson, renderTable } from '../bench/report';
import { type Target, describeTarget } from '../bench/target';
import { runThroughput, throughputRows } from '../bench/throughput';
import { MAX_MESSAGE } from '../protocol/limits';
import { localDefault } from '../settings/table';
import { type ClientFlags, addClientOptions, resolveConnectOptions } from './client-options';

interface OutputFlags {
  json?: boolean;
  progress?: boolean;
}

interface RunFlags extends ClientFlags, OutputFlags {
  connectTimeout: number;
  floor?: boolean;
  spool?: string;
  tag?: string;
  workers?: number;
}

function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function secondsArg(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more');
  return n;
}

function kindsArg(text: string): FloorKind[] {
  const kinds = text.split(',').map((k) => k.trim());
  for (const k of kinds) {
    if (!(FLOOR_KINDS as readonly string[]).includes(k)) throw new InvalidArgumentError(`floors are ${FLOOR_KINDS.join(', ')}`);
  }
  return kinds as FloorKind[];
}

/** The server's address, key and hash, found as the other client commands find them. */
function resolveTarget(flags: RunFlags): Target {
  const { host, port, version, publicKey, hash } = resolveConnectOptions(flags);
  return { host, port, version, publicKey: publicKey as string, hash, timeoutMs: flags.connectTimeout };
}

/** Where the file-IPC floor runs: the spool given, else tfgw's default spool. */
function floorSpool(flags: { spool?: string }): string {
  return path.resolve(flags.spool ?? localDefault('spool'));
}

/** A fresh identity prefix, so runs side by side never share identities. */
function runTag(flags: RunFlags): string {
  return flags.tag ?? `bench-${randomBytes(4).toString('hex')}`;
}

function defaultWorkers(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

function print(report: BenchReport, rows: Row[], flags: OutputFlags): void {
  process.stdout.write(flags.json ? renderJson(report) : renderTable(report, rows));
}

function addRunOptions(cmd: Command): Command {
  return addClientOptions(cmd)
    .option('--json', 'print one JSON object instead of the table')
    .option('--progress', 'show the progress line even when stderr is not a terminal')
    .option('--no-progress', 'no progress line')
    .option('--connect-timeout <ms>', 'limit for TCP connect and connection sequence', intArg(1), 10_000)
    .option('--floor', 'also measure the matching floor in this run and show each figure against it')
    .option('--spool <dir>', "the tfgw server's spool: the file-IPC floor runs on its file system (idle: its sessions' memory)")
    .option('--tag <prefix>', 'identity prefix (default: bench-<random>)');
}

/**
 * Runs a mode: the floors it is read against first (with --floor, while the
 * server is idle), then the mode, then prints.
 */
async function runMode<R>(
  mode: string,
  flags: RunFlags,
  params: Record<string, unknown>,
  floorKinds: FloorKind[],
  size: number,
  run: (target: Target) => Promise<RunOutcome<R>>,
  rowsOf: (results: R, floor: FloorResults | null) => Row[],
): Promise<void> {
  const target = resolveTarget(flags);
  const floor = flags.floor
    ? await runFloors({
        kinds: floorKinds,
        spool: floorSpool(flags),
        size,
        rounds: 200,
        warmup: 20,
        streamMessages: 2000,
        starts: 10,
        cipherBytes: 8 * 1024 * 1024,
        cipherCallSize: size,
        progress: flags.progress,
      })
    : null;
  const outcome = await run(target);
  const cpu = benchCpu(outcome.cpu);
  const warnings = [...(outcome.warnings ?? [])];
  const busy = bottleneckWarning(cpu);
  if (busy) warnings.push(busy);
  const rows = rowsOf(outcome.results, floor);
  print(
    { mode, target: describeTarget(target), params, results: outcome.results, floor, ratios: ratiosOf(rows), benchCpu: cpu, warnings },
    rows,
    flags,
  );
  if (outcome.nothingDone) process.exitCode = 1;
}

interface LatencyFlags extends RunFlags {
  count: number;
  warmup: number;
  size: number;
  roundTimeout: number;
}

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

interface ConnectFlags extends RunFlags {
  connections: number;
  concurrency: number;
}

interface IdleFlags extends RunFlags {
  peers: number;
  hold: number;
  concurrency: number;
}

interface FloorFlags extends OutputFlags {
  only: FloorKind[];
  spool?: string;
  size: number;
  rounds: number;
  warmup: number;
  stream: number;
  starts: number;
  cipherMib: number;
  cipherCallSize: number;
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('measure a TFProtocol gateway server (tfgw or another): latency, throughput, connect, idle; and the floors');

  addRunOptions(
    bench
      .command('latency')
      .description('one pair ping-pongs a message: round-trip percentiles')
      .option('-n, --count <n>', 'timed round trips', intArg(1), 1000)
      .option('--warmup <n>', 'round trips before timing starts', intArg(0), 100)
      .option('-s, --size <bytes>', `message size (12 to ${MAX_MESSAGE})`, intArg(12, MAX_MESSAGE), 64)
      .option('--round-timeout <ms>', 'a round trip not back by then counts as lost', intArg(1), 5000),
  ).action(async (flags: LatencyFlags) => {
    const tag = runTag(flags);
    const params = { count: flags.count, warmup: flags.warmup, size: flags.size, roundTimeoutMs: flags.roundTimeout, tag };
    await runMode(
      'latency',
      flags,
      params,
      ['ipc', 'tcp'],
      flags.size,
      (target) =>
        runLatency(target, {
          count: flags.count,
          warmup: flags.warmup,
          size: flags.size,
          timeoutMs: flags.roundTimeout,
          tag,
          progress: flags.progress,
        }),
      latencyRows,
    );
  });

  addRunOptions(
    bench
      .command('throughput')
      .description('P pairs, each sender sending to its receiver while all receivers drain: delivered msgs/s and MB/s, loss')
      .option('-P, --pairs <n>', 'sender/receiver pairs', intArg(1), 4)
      .option('-m, --messages <n>', 'messages per sender', intArg(1), 5000)
      .option('--warmup <n>', 'messages per sender before timing starts (waited for, not counted)', intArg(0), 0)
      .option('-d, --duration <seconds>', 'send for this long instead of a number of messages', secondsArg)
      .option('-s, --size <bytes>', `message size (12 to ${MAX_MESSAGE})`, intArg(12, MAX_MESSAGE), 128)
      .option('-w, --window <n>', 'most messages in flight per pair (sent minus received); 0 = no bound', intArg(0), 0)
      .option('--quiet <ms>', 'after the last send, stop waiting once nothing arrived for this long', intArg(1), 1000)
      .option('--drain-timeout <seconds>', 'longest wait for deliveries after the last send', secondsArg, 30)
      .option('--open-concurrency <n>', 'connections opened at once while setting up, per worker', intArg(1), 8)
      .option('--workers <n>', 'load-generating processes (default: half the cores)', intArg(1)),
  ).action(async (flags: ThroughputFlags) => {
    const tag = runTag(flags);
    const workers = Math.min(flags.workers ?? defaultWorkers(), flags.pairs);
    const durationS = flags.duration ?? null;
    const params = {
      pairs: flags.pairs,
      messages: durationS === null ? flags.messages : undefined,
      warmup: flags.warmup,
      durationS: durationS ?? undefined,
      size: flags.size,
      window: flags.window,
      quietMs: flags.quiet,
      workers,
      tag,
    };
    await runMode(
      'throughput',
      flags,
      params,
      ['ipc', 'cipher'],
      flags.size,
      (target) =>
        runThroughput(target, {
          pairs: flags.pairs,
          messages: flags.messages,
          warmup: flags.warmup,
          durationS,
          size: flags.size,
          window: flags.window,
          quietMs: flags.quiet,
          drainTimeoutS: flags.drainTimeout,
          workers,
          openConcurrency: flags.openConcurrency,
          tag,
          progress: flags.progress,
        }),
      throughputRows,
    );
  });

  addRunOptions(
    bench
      .command('connect')
      .description('full connection sequences per second with C concurrent connectors, each followed by END')
      .option('-N, --connections <n>', 'connections in total', intArg(1), 200)
      .option('-C, --concurrency <n>', 'connectors at once', intArg(1), 4)
      .option('--workers <n>', 'load-generating processes', intArg(1), 1),
  ).action(async (flags: ConnectFlags) => {
    const workers = Math.min(flags.workers ?? 1, flags.concurrency);
    const params = { connections: flags.connections, concurrency: flags.concurrency, workers };
    await runMode(
      'connect',
      flags,
      params,
      ['node'],
      64,
      (target) =>
        runConnect(target, {
          connections: flags.connections,
          concurrency: flags.concurrency,
          workers,
          progress: flags.progress,
        }),
      connectRows,
    );
  });

  addRunOptions(
    bench
      .command('idle')
      .description('open N gateway peers with distinct identities and hold them; with --spool, the memory (PSS) of their sessions')
      .option('-N, --peers <n>', 'peers to open and hold', intArg(1), 100)
      .option('--hold <seconds>', 'how long to hold them once all are open', secondsArg, 5)
      .option('-C, --concurrency <n>', 'peers being opened at once', intArg(1), 8)
      .option('--workers <n>', 'load-generating processes', intArg(1), 1),
  ).action(async (flags: IdleFlags) => {
    const tag = runTag(flags);
    const workers = Math.min(flags.workers ?? 1, flags.peers);
    const spool = flags.spool ? path.resolve(flags.spool) : null;
    const params = { peers: flags.peers, holdS: flags.hold, concurrency: flags.concurrency, workers, spool: spool ?? undefined, tag };
    await runMode(
      'idle',
      flags,
      params,
      ['node'],
      64,
      (target) =>
        runIdle(target, {
          peers: flags.peers,
          holdS: flags.hold,
          concurrency: flags.concurrency,
          workers,
          spool,
          tag,
          progress: flags.progress,
        }),
      idleRows,
    );
  });

  bench
    .command('floor')
    .description('the floors: cipher in C (ns/byte), file IPC on the file system of the spool, bare node start-up')
    .option('--only <kinds>', `comma-separated subset of ${FLOOR_KINDS.join(',')}`, kindsArg, [...FLOOR_KINDS])
    .option('--spool <dir>', 'run the file-IPC floor on the file system of this directory (default: TFGW_SPOOL or <repo>/spool)')
    .option('-s, --size <bytes>', 'file-IPC message size', intArg(12, MAX_MESSAGE), 64)
    .option('--rounds <n>', 'file-IPC round trips', intArg(1), 1000)
    .option('--warmup <n>', 'file-IPC round trips before timing', intArg(0), 50)
    .option('--stream <n>', 'files in the one-way stream', intArg(1), 5000)
    .option('--starts <n>', 'node start-ups', intArg(1), 20)
    .option('--cipher-mib <n>', 'MiB per cipher measurement', intArg(1), 16)
    .option('--cipher-call-size <bytes>', 'bytes per cipher call', intArg(1), 65536)
    .option('--json', 'print one JSON object instead of the table')
    .option('--progress', 'show the progress line even when stderr is not a terminal')
    .option('--no-progress', 'no progress line')
    .action(async (flags: FloorFlags) => {
      const spool = floorSpool(flags);
      const floor = await runFloors({
        kinds: flags.only,
        spool,
        size: flags.size,
        rounds: flags.rounds,
        warmup: flags.warmup,
        streamMessages: flags.stream,
        starts: flags.starts,
        cipherBytes: flags.cipherMib * 1024 * 1024,
        cipherCallSize: flags.cipherCallSize,
        progress: flags.progress,
      });
      const rows = floorRows(floor);
      const warnings = floor.cipher && !floor.cipher.cNsPerByte ? ['no C compiler (gcc): the cipher floor is missing'] : [];
      const params = {
        only: flags.only.join(','),
        spool: flags.only.includes('ipc') ? spool : undefined,
        fileSystem: floor.ipc?.fileSystem,
        size: flags.size,
        rounds: flags.rounds,
        stream: flags.stream,
        starts: flags.starts,
        cipherMib: flags.cipherMib,
        cipherCallSize: flags.cipherCallSize,
      };
      print(
        { mode: 'floor', params, results: floor, floor: null, ratios: ratiosOf(rows), benchCpu: null, warnings },
        rows,
        flags,
      );
    });
}
