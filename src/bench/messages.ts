/**
 * What the coordinator and its worker processes say to each other over the
 * fork channel, and what a mode's worker half gets to work with.
 */
import type { CpuMeter, CpuWindow } from './cpu';
import type { Connector, Target } from './target';

/** A worker's running counts, summed over workers for the progress line. */
export type Counters = Record<string, number>;

/** One worker's share of a run; `mode` picks the worker function. */
export interface Job {
  mode: string;
}

export type ToWorker = { type: 'start'; index: number; target: Target; job: Job } | { type: 'release'; name: string };

export type FromWorker =
  | { type: 'barrier'; name: string }
  | { type: 'progress'; counters: Counters; cpuMs: number }
  | { type: 'done'; result: unknown; cpu: CpuWindow; counters: Counters }
  | { type: 'error'; message: string };

export interface WorkerContext {
  index: number;
  connector: Connector;
  /** Updated by the mode as it goes; sent to the coordinator a few times a second. */
  counters: Counters;
  /**
   * Waits until every worker has reached the barrier `name` and the coordinator
   * releases it. Each worker passes each barrier once.
   */
  barrier(name: string): Promise<void>;
  /** The worker's measured CPU window: the mode starts and stops it around the work that counts. */
  meter: CpuMeter;
}

export type WorkerRun<J extends Job, R> = (job: J, ctx: WorkerContext) => Promise<R>;
