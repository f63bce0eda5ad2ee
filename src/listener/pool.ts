/**
 * The listening process's view of its session processes: starting them, knowing
 * which are idle or busy (from their run records in the spool), reaping them and
 * clearing what each left behind, and adding the counters of the ones that have
 * ended to a running total for the metrics.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Spool } from '../spool';
import type { Logger } from '../log/logger';
import { parseRunFileName } from '../spool/names';
import { type RunState, readRunRecord } from '../spool/run-record';
import type { SessionSettings } from '../settings/session-settings';
import { processStartTime } from '../spool/liveness';
import { PreauthRegistry } from '../spool/preauth';
import { ProcessCounters, addStats } from '../spool/process-counters';
import type { SessionMode } from '../session/argv';
import { type SessionChild, type SpawnSession, sessionSpawner } from './spawn';
import { type DirectoryWatch, watchDirectory } from '../spool/watch';

export type TrackedState = 'starting' | RunState;

interface Tracked {
  child: SessionChild;
  state: TrackedState;
  client: string | null;
  /** When it entered its current state (ms since the epoch). */
  since: number;
  retiring: boolean;
  /** Its start time (spool/liveness.ts), read while the pid is surely still its own: reaping then spares a later process with the same pid. */
  started: string | null;
}

/** What tests replace: how processes start, and the clock states are timed by. */
export interface PoolOptions {
  spawn?: SpawnSession;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

export class SessionPool {
  private readonly procs = new Map<number, Tracked>();
  private readonly reaping = new Set<Promise<unknown>>();
  private watcher: DirectoryWatch | null = null;
  private watchedIno = -1;
  /** Counters of session processes that have ended. */
  readonly retired = new ProcessCounters();
  started = 0;
  crashed = 0;
  /** Set while shutting down: processes ended by our own SIGTERM ended normally. */
  stopping = false;
  /** Called whenever a process changes state or ends. */
  onChange: () => void = () => {};

  private readonly spawn: SpawnSession;
  private readonly now: () => number;

  constructor(
    private readonly spool: Spool,
    private settings: SessionSettings,
    private readonly log: Logger,
    options: PoolOptions = {},
  ) {
    // The real spawner picks the session script once, when the listener starts.
    this.spawn = options.spawn ?? sessionSpawner();
    this.now = options.now ?? Date.now;
  }

  /** Follows the run records; call once the spool exists. */
  watchRunRecords(): void {
    const dir = path.dirname(this.spool.layout.runFile(0));
    this.watchedIno = statSync(dir).ino;
    this.watcher = watchDirectory(
      dir,
      (file) => {
        const writer = parseRunFileName(file);
        if (writer !== null && !file.startsWith('.') && writer.node === this.spool.layout.node) this.refresh(writer.pid);
      },
      (err) => this.log.warn('run record watch failed', { error: err.message }),
    );
  }

  get size(): number {
    return this.procs.size;
  }

  count(state: TrackedState): number {
    let n = 0;
    for (const p of this.procs.values()) if (p.state === state) n++;
    return n;
  }

  /** Processes started less than `ms` ago that have not reported yet. */
  startingWithin(ms: number): number {
    const since = this.now() - ms;
    let n = 0;
    for (const p of this.procs.values()) if (p.state === 'starting' && p.since >= since) n++;
    return n;
  }

  pids(): number[] {
    return [...this.procs.keys()];
  }

  /** Starts a session process with `fds` as descriptors 3, 4, … */
  start(mode: SessionMode, fds: (number | object)[], client: string | null): number | null {
    let child: SessionChild;
    try {
      child = this.spawn(mode, fds, this.settings);
    } catch (err) {
      this.log.error('could not start a session process', { client, error: (err as Error).message });
      return null;
    }
    const pid = child.pid;
    if (pid === undefined) {
      child.on('error', (err: Error) => this.log.error('session process failed to start', { client, error: err.message }));
      return null;
    }
    this.started++;
    // Not yet waited for, so the pid cannot have been reused: /proc/<pid> is this child (or its zombie).
    const started = processStartTime(pid);
    this.procs.set(pid, { child, state: mode === 'socket' ? 'busy' : 'starting', client, since: this.now(), retiring: false, started });
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.reap(pid, code, signal));
    return pid;
  }

  /** Settings for processes started from now on. */
  updateSettings(settings: SessionSettings): void {
    this.settings = settings;
  }

  /** Asks every waiting process to retire (so that it is replaced with fresh settings). */
  retireIdle(): void {
    for (const p of this.procs.values()) if (p.state === 'idle') this.retire(p);
  }

  /**
   * Retires waiting processes beyond `keep` that have waited at least `minIdleMs`,
   * longest-waiting first, so that the pool shrinks back after a burst.
   */
  retireSurplus(keep: number, minIdleMs: number): number {
    const now = this.now();
    const idle = [...this.procs.values()].filter((p) => p.state === 'idle' && !p.retiring).sort((a, b) => a.since - b.since);
    const surplus = idle.slice(0, Math.max(0, idle.length - keep)).filter((p) => now - p.since >= minIdleMs);
    for (const p of surplus) this.retire(p);
    return surplus.length;
  }

  private retire(p: Tracked): void {
    p.retiring = true;
    p.child.kill('SIGUSR2');
  }

  /** Re-reads every run record: a fallback for watch events missed (or a watch that died). */
  refreshAll(): void {
    for (const pid of this.procs.keys()) this.refresh(pid);
  }

  /** Watches `.run` again if the directory was replaced (deleted and made again). */
  rewatchIfNeeded(): void {
    const dir = path.dirname(this.spool.layout.runFile(0));
    let ino = -1;
    try {
      ino = statSync(dir).ino;
    } catch {
      return;
    }
    if (ino !== this.watchedIno) {
      void this.watcher?.close();
      this.watcher = null;
      this.watchRunRecords();
    }
  }

  signalAll(signal: NodeJS.Signals): void {
    for (const p of this.procs.values()) p.child.kill(signal);
  }

  /** Waits for reaping work in progress. */
  async settled(): Promise<void> {
    await Promise.all([...this.reaping]);
  }

  private refresh(pid: number): void {
    const tracked = this.procs.get(pid);
    if (!tracked) return;
    const record = readRunRecord(this.spool.layout.runFile(pid));
    if (!record || record.state === tracked.state) return;
    tracked.state = record.state;
    tracked.since = this.now();
    tracked.client = record.client;
    this.onChange();
  }

  private reap(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    const tracked = this.procs.get(pid);
    this.procs.delete(pid);
    const clean = code === 0 || (this.stopping && signal === 'SIGTERM');
    if (!clean) this.crashed++;
    this.log.log(clean ? 'debug' : 'warn', clean ? 'session process exited' : 'session process ended abnormally', {
      session: pid,
      client: tracked?.client ?? undefined,
      code,
      signal,
    });
    this.forgetPreauth();
    const last = readRunRecord(this.spool.layout.runFile(pid));
    if (last) addStats(this.retired, last.stats);
    const job = this.spool.janitor
      .reap(pid, tracked?.started ?? null)
      .then(({ inboxes, undelivered }) => {
        this.retired.dropped['peer-left'] += undelivered;
        if (inboxes > 0) this.log.info('cleared the inbox of an ended session', { session: pid, inboxes, undelivered });
      })
      .catch((err: Error) => this.log.error('reaping failed', { session: pid, error: err.message }));
    this.reaping.add(job);
    void job.finally(() => this.reaping.delete(job));
    this.onChange();
  }

  /** A process that died unauthenticated leaves its `.preauth` entry: drop the entries of dead processes. */
  private forgetPreauth(): void {
    try {
      new PreauthRegistry(this.spool.layout.root, this.spool.layout.node).sweepDead();
    } catch (err) {
      this.log.warn('pre-authentication entries not swept', { error: (err as Error).message });
    }
  }

  /**
   * Ends every process: SIGTERM (each finishes its client's leave), SIGKILL for
   * what is left after `drainMs`, then waits until all are reaped and stops
   * watching.
   */
  async drain(drainMs: number): Promise<void> {
    this.stopping = true;
    this.signalAll('SIGTERM');
    const deadline = Date.now() + drainMs;
    while (this.size > 0 && Date.now() < deadline) await sleep(20);
    this.signalAll('SIGKILL');
    while (this.size > 0) await sleep(10);
    await this.settled();
    this.close();
  }

  close(): void {
    void this.watcher?.close();
    this.watcher = null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
