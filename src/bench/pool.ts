/**
 * The coordinator's side of a run: it forks the load-generating worker
 * processes, gives each its job, moves them through named barriers together,
 * shows their summed counters on the progress line and collects their results
 * and CPU windows. The first failure of any worker ends the run and the others.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { nowMs } from './clock';
import { CpuMeter, type CpuWindow, cpuTimeMs } from './cpu';
import type { Counters, FromWorker, Job, ToWorker } from './messages';
import { ProgressLine } from './progress';
import type { Target } from './target';

const WORKER_ENTRY = path.join(__dirname, 'worker.js');

export interface PoolOptions {
  /** Show the progress line (default: when stderr is a terminal). */
  progress?: boolean;
  /** The progress line's text, from the summed counters. */
  render: (counters: Counters, elapsedS: number) => string;
}

/** What a mode's coordinator hands to the command: its figures and every bench process's CPU window. */
export interface RunOutcome<T> {
  results: T;
  cpu: CpuWindow[];
  warnings?: string[];
  /** True when the run could not do any of its work (every connection failed): the command exits non-zero. */
  nothingDone?: boolean;
}

export interface PoolOutcome<R> {
  results: R[];
  /** The coordinator's window first, then each worker's. */
  cpu: CpuWindow[];
}

class Gate<T = void> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Nobody may be waiting when a worker fails; the failure surfaces through done().
    this.promise.catch(() => undefined);
  }
}

interface Slot {
  child: ChildProcess;
  counters: Counters;
  cpuMs: number;
  done: { result: unknown; cpu: CpuWindow } | null;
}

export class WorkerPool<R> {
  private readonly slots: Slot[];
  private readonly arrivals = new Map<string, { count: number; gate: Gate }>();
  private readonly finished = new Gate<void>();
  private failure: Error | null = null;
  private readonly meter = new CpuMeter('coordinator');
  private readonly line: ProgressLine;
  private lastCpu = { at: 0, ms: 0, percent: 0 };

  constructor(target: Target, jobs: Job[], options: PoolOptions) {
    this.slots = jobs.map((job, index) => this.spawn(index, target, job));
    this.line = new ProgressLine((elapsedS) => {
      const cpu = this.cpuPercentNow();
      return `${options.render(this.counters(), elapsedS)}  bench cpu ${cpu.toFixed(0)}%`;
    }, options.progress).start();
  }

  get size(): number {
    return this.slots.length;
  }

  /** Resolves once every worker has reached barrier `name`. */
  arrived(name: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.entry(name).gate.promise;
  }

  /** Lets every worker past barrier `name`. The first release starts the coordinator's CPU window. */
  release(name: string): void {
    if (!this.meter.started) this.meter.start();
    this.broadcast({ type: 'release', name });
  }

  /** Waits for every worker at barrier `name`, then lets them all past it. */
  async pass(name: string): Promise<void> {
    await this.arrived(name);
    this.release(name);
  }

  /** The counters of all workers, summed. */
  counters(): Counters {
    const sum: Counters = {};
    for (const slot of this.slots) {
      for (const [k, v] of Object.entries(slot.counters)) sum[k] = (sum[k] ?? 0) + v;
    }
    return sum;
  }

  /** Waits for every worker's result; stops the progress line either way. */
  async done(): Promise<PoolOutcome<R>> {
    try {
      await this.finished.promise;
    } finally {
      this.line.stop();
    }
    const coordinator = this.meter.stop();
    return {
      results: this.slots.map((s) => s.done!.result as R),
      cpu: [coordinator, ...this.slots.map((s) => s.done!.cpu)],
    };
  }

  /** Ends the run: kills the workers still running. */
  kill(): void {
    this.line.stop();
    for (const slot of this.slots) {
      if (slot.child.exitCode === null && slot.child.signalCode === null) slot.child.kill('SIGKILL');
    }
  }

  private spawn(index: number, target: Target, job: Job): Slot {
    const child = fork(WORKER_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const slot: Slot = { child, counters: {}, cpuMs: 0, done: null };
    child.on('message', (msg: FromWorker) => this.onMessage(slot, index, msg));
    child.on('error', (error) => this.fail(new Error(`bench worker ${index}: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (!slot.done) this.fail(new Error(`bench worker ${index} exited (${signal ?? `code ${code}`}) before it finished`));
    });
    const start: ToWorker = { type: 'start', index, target, job };
    child.send(start);
    return slot;
  }

  private onMessage(slot: Slot, index: number, msg: FromWorker): void {
    switch (msg.type) {
      case 'barrier': {
        const entry = this.entry(msg.name);
        if (++entry.count === this.slots.length) entry.gate.resolve();
        break;
      }
      case 'progress':
        slot.counters = msg.counters;
        slot.cpuMs = msg.cpuMs;
        break;
      case 'done':
        slot.counters = msg.counters;
        slot.done = { result: msg.result, cpu: msg.cpu };
        if (this.slots.every((s) => s.done)) this.finished.resolve();
        break;
      case 'error':
        this.fail(new Error(`bench worker ${index}: ${msg.message}`));
        break;
    }
  }

  private entry(name: string): { count: number; gate: Gate } {
    let entry = this.arrivals.get(name);
    if (!entry) {
      entry = { count: 0, gate: new Gate() };
      this.arrivals.set(name, entry);
    }
    return entry;
  }

  private broadcast(msg: ToWorker): void {
    for (const slot of this.slots) if (slot.child.connected) slot.child.send(msg);
  }

  private fail(error: Error): void {
    if (this.failure || this.slots.every((s) => s.done)) return;
    this.failure = error;
    for (const { gate } of this.arrivals.values()) gate.reject(error);
    this.finished.reject(error);
    this.kill();
  }

  /** All bench processes' CPU use since the last call, in percent of one core. */
  private cpuPercentNow(): number {
    const ms = cpuTimeMs() + this.slots.reduce((s, slot) => s + slot.cpuMs, 0);
    const at = nowMs();
    if (this.lastCpu.at > 0 && at > this.lastCpu.at) {
      this.lastCpu.percent = (100 * (ms - this.lastCpu.ms)) / (at - this.lastCpu.at);
    }
    this.lastCpu.at = at;
    this.lastCpu.ms = ms;
    return this.lastCpu.percent;
  }
}

/**
 * Runs `body` with a pool of one worker per job and returns its value; on any
 * failure the workers are killed before the error goes on.
 */
export async function withPool<R, T>(
  target: Target,
  jobs: Job[],
  options: PoolOptions,
  body: (pool: WorkerPool<R>) => Promise<T>,
): Promise<T> {
  const pool = new WorkerPool<R>(target, jobs, options);
  try {
    return await body(pool);
  } catch (error) {
    pool.kill();
    throw error;
  }
}
