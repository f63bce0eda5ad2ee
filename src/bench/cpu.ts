/**
 * The bench's own CPU use, so a run can show that the load generator was not
 * the bottleneck: every bench process (the coordinator and each worker)
 * measures its CPU time and event-loop utilisation over its measured window,
 * and the run adds them up as percent of one core.
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { nowMs } from './clock';

/** One process's use over its measured window. */
export interface CpuWindow {
  role: string;
  cpuMs: number;
  wallMs: number;
  /** Share of the window the event loop was busy (0..1). */
  eventLoop: number;
}

export interface BenchCpu {
  /** All bench processes together, in percent of one core. */
  percentOfCore: number;
  processes: number;
  /** The busiest single process, percent of one core. */
  busiestPercent: number;
  /** The highest event-loop utilisation of any bench process (0..1). */
  busiestEventLoop: number;
  perProcess: { role: string; percent: number; eventLoop: number; wallMs: number }[];
}

/** Above these a bench process may itself be what limits the figures. */
const BUSY_PERCENT = 85;
const BUSY_EVENT_LOOP = 0.85;
/** Windows shorter than this say little about saturation. */
const MIN_WINDOW_MS = 250;

/** Total CPU time this process has used so far, in ms. */
export function cpuTimeMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export class CpuMeter {
  private startCpu = 0;
  private startWall = 0;
  private startElu: EventLoopUtilization | null = null;
  private window: CpuWindow | null = null;

  constructor(private readonly role: string) {}

  get started(): boolean {
    return this.startElu !== null;
  }

  start(): void {
    this.startCpu = cpuTimeMs();
    this.startWall = nowMs();
    this.startElu = performance.eventLoopUtilization();
    this.window = null;
  }

  /** Ends the window (once; later calls return the same figures). */
  stop(): CpuWindow {
    if (this.window) return this.window;
    if (!this.startElu) this.start();
    const elu = performance.eventLoopUtilization(this.startElu!);
    this.window = {
      role: this.role,
      cpuMs: cpuTimeMs() - this.startCpu,
      wallMs: nowMs() - this.startWall,
      eventLoop: elu.utilization,
    };
    return this.window;
  }
}

export function benchCpu(windows: CpuWindow[]): BenchCpu {
  const perProcess = windows.map((w) => ({
    role: w.role,
    percent: w.wallMs > 0 ? (100 * w.cpuMs) / w.wallMs : 0,
    eventLoop: w.eventLoop,
    wallMs: w.wallMs,
  }));
  return {
    percentOfCore: perProcess.reduce((s, p) => s + p.percent, 0),
    processes: perProcess.length,
    busiestPercent: Math.max(0, ...perProcess.map((p) => p.percent)),
    busiestEventLoop: Math.max(0, ...perProcess.map((p) => p.eventLoop)),
    perProcess,
  };
}

/** A warning when some bench process was close to saturated, else null. */
export function bottleneckWarning(cpu: BenchCpu): string | null {
  const busy = cpu.perProcess.filter(
    (p) => p.wallMs >= MIN_WINDOW_MS && (p.percent >= BUSY_PERCENT || p.eventLoop >= BUSY_EVENT_LOOP),
  );
  if (busy.length === 0) return null;
  const worst = busy.reduce((a, b) => (b.eventLoop > a.eventLoop ? b : a));
  return (
    `${worst.role} was busy (${worst.percent.toFixed(0)}% of a core, event loop ` +
    `${(100 * worst.eventLoop).toFixed(0)}%): the bench may be the bottleneck; try more --workers`
  );
}
