/**
 * `tfgw bench`: load and timing for any TFProtocol gateway server (tfgw or
 * another implementation), and the floors to read the figures against.
 * Each mode prints a progress line on stderr while it runs, and a table on
 * stdout at the end (one JSON object with --json).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { benchCpu, bottleneckWarning } from '../bench/cpu';
import { FLOOR_KINDS, type FloorKind, floorRows, runFloors } from '../bench/floor';
import { type BenchReport, type Row, ratiosOf, renderJson, renderTable } from '../bench/report';
import { QUICK_ACK_UNAVAILABLE } from '../bench/quick-ack';
import { describeTarget } from '../bench/target';
import { nativeSockets } from '../native';
import { MAX_MESSAGE } from '../protocol/limits';
import { localDefault } from '../settings/table';
import { type OutputFlags, type RunFlags, addOutputOptions, addRunOptions, intArg, kindsArg, resolveTarget } from './bench-args';
import { BENCH_MODES, type BenchMode } from './bench-modes';

/** Where the file-IPC floor runs: the spool given, else tfgw's default spool. */
function floorSpool(flags: { spool?: string }): string {
  return path.resolve(flags.spool ?? localDefault('spool'));
}

function print(report: BenchReport, rows: Row[], flags: OutputFlags): void {
  process.stdout.write(flags.json ? renderJson(report) : renderTable(report, rows));
}

/**
 * Runs a mode: the floors it is read against first (with --floor, while the
 * server is idle), then the mode, then prints.
 */
async function runMode(mode: BenchMode<RunFlags>, flags: RunFlags): Promise<void> {
  const plan = mode.plan(flags);
  const target = resolveTarget(flags);
  const noQuickAck = target.quickAck === true && nativeSockets() === null;
  if (noQuickAck) target.quickAck = false;
  const floor = flags.floor
    ? await runFloors({
        kinds: plan.floors,
        spool: floorSpool(flags),
        size: plan.size,
        rounds: 200,
        warmup: 20,
        streamMessages: 2000,
        starts: 10,
        cipherBytes: 8 * 1024 * 1024,
        cipherCallSize: plan.size,
        progress: flags.progress,
      })
    : null;
  const outcome = await plan.run(target, floor);
  const cpu = benchCpu(outcome.cpu);
  const warnings = [...(noQuickAck ? [QUICK_ACK_UNAVAILABLE] : []), ...(outcome.warnings ?? [])];
  const busy = bottleneckWarning(cpu);
  if (busy) warnings.push(busy);
  const { rows, results } = outcome;
  print(
    { mode: mode.name, target: describeTarget(target), params: { ...plan.params, quickAck: target.quickAck },  results, floor, ratios: ratiosOf(rows), benchCpu: cpu, warnings },
    rows,
    flags,
  );
  if (outcome.nothingDone) process.exitCode = 1;
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
  for (const mode of BENCH_MODES) {
    addRunOptions(mode.options(bench.command(mode.name).description(mode.description))).action((flags: RunFlags) =>
      runMode(mode, flags),
    );
  }
  registerFloor(bench);
}

function registerFloor(bench: Command): void {
  addOutputOptions(
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
      .option('--cipher-call-size <bytes>', 'bytes per cipher call', intArg(1), 65536),
  ).action(runFloorCommand);
}

async function runFloorCommand(flags: FloorFlags): Promise<void> {
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
}
