/**
 * The listening process's view of its session processes: starting them, knowing
 * which are idle or busy (from their run records in the spool), reaping them and
 * clearing what each left behind, and adding the counters of the ones that have
 * ended to a running total for the metrics.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Spool } from '../spool';
import type { Logger } from '../log/logger';
import { type RunState, readRunRecord } from '../spool/run-record';
import type { SessionSettings } from '../settings/session-settings';
import { ProcessCounters, addStats } from '../spool/process-counters';
import { type DirectoryWatch, watchDirectory } from '../spool/watch';

/**
 * The session process's script: the one-file bundle the build makes
 * (scripts/bundle-session.js; it saves memory in every session) while it is at
 * least as new as the compiled sources, else the compiled module itself.
 */
export function sessionEntry(dir: string = path.join(__dirname, '..', 'session')): string {
  const plain = path.join(dir, 'main.js');
  const bundle = path.join(dir, 'main.bundle.js');
  try {
    if (statSync(bundle).mtimeMs >= statSync(plain).mtimeMs) return bundle;
  } catch {
    // No bundle (a build without it): the plain module works the same.
  }
  return plain;
}

/**
 * Node flags for session processes: a 1 MB young generation, a heap cap, few
 * threads. The two heap-sizing flags change V8's flag hash, so V8 rejects the
 * code cache Node ships for its own modules: each session compiles them itself
 * and keeps a cache of its own, about 0.7 MB more per idle session (measured at
 * 60 peers). The small young generation pays for that under load: allocation
 * stays in cache, worth about a tenth more 1 KiB messages per second than V8's
 * default of up to 16 MB (docs/perf/analysis.md). No --expose-gc: an idle
 * session releases memory through the native helper (session/main.ts).
 */
export const SESSION_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=96', '--v8-pool-size=1', '--single-threaded-gc'];

/**
 * The environment of a session process: the listener's, less what only costs a
 * session memory. NODE_EXTRA_CA_CERTS makes every Node process parse that
 * certificate bundle at start-up (about 1 MB of heap each for a system bundle);
 * sessions never open a TLS connection.
 */
export function sessionEnvironment(parent: NodeJS.ProcessEnv, listenerPid: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...parent,
    // A session makes few asynchronous file calls: one pool thread, one malloc arena.
    UV_THREADPOOL_SIZE: parent.UV_THREADPOOL_SIZE ?? '1',
    MALLOC_ARENA_MAX: parent.MALLOC_ARENA_MAX ?? '1',
    TFGW_LISTENER_PID: String(listenerPid),
  };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** TFGW_SESSION_NODE_FLAGS adds Node flags for session processes (diagnostics: profiling, heap limits). */
function extraNodeFlags(): string[] {
  return (process.env.TFGW_SESSION_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f.length > 0);
}

export type TrackedState = 'starting' | RunState;

interface Tracked {
  child: ChildProcess;
  state: TrackedState;
  client: string | null;
  /** When it entered its current state (ms since the epoch). */
  since: number;
  retiring: boolean;
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

  /** Chosen once, when the listener starts. */
  private readonly entry = sessionEntry();

  constructor(
    private readonly spool: Spool,
    private settings: SessionSettings,
    private readonly log: Logger,
  ) {}

  /** Follows the run records; call once the spool exists. */
  watchRunRecords(): void {
    const dir = path.dirname(this.spool.layout.runFile(0));
    this.watchedIno = statSync(dir).ino;
    this.watcher = watchDirectory(
      dir,
      (file) => {
        const m = /^(\d+)\.json$/.exec(file);
        if (m) this.refresh(Number(m[1]));
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
    const since = Date.now() - ms;
    let n = 0;
    for (const p of this.procs.values()) if (p.state === 'starting' && p.since >= since) n++;
    return n;
  }

  pids(): number[] {
    return [...this.procs.keys()];
  }

  /** Starts a session process with `fds` as descriptors 3, 4, … */
  start(mode: 'socket' | 'accept', fds: (number | object)[], client: string | null): number | null {
    let child: ChildProcess;
    try {
      child = spawn(
        process.execPath,
        [...SESSION_NODE_FLAGS, ...extraNodeFlags(), this.entry, JSON.stringify(this.settings), mode, String(fds.length)],
        {
          stdio: ['ignore', 'inherit', 'inherit', ...(fds as never[])],
          // Own process group: a terminal's Ctrl-C reaches the listener, which then ends sessions in order.
          detached: true,
          env: sessionEnvironment(process.env, process.pid),
        },
      );
    } catch (err) {
      this.log.error('could not start a session process', { client, error: (err as Error).message });
      return null;
    }
    const pid = child.pid;
    if (pid === undefined) {
      child.on('error', (err) => this.log.error('session process failed to start', { client, error: err.message }));
      return null;
    }
    this.started++;
    this.procs.set(pid, { child, state: mode === 'socket' ? 'busy' : 'starting', client, since: Date.now(), retiring: false });
    child.on('exit', (code, signal) => this.reap(pid, code, signal));
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
    const now = Date.now();
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
    tracked.since = Date.now();
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
    const last = readRunRecord(this.spool.layout.runFile(pid));
    if (last) addStats(this.retired, last.stats);
    const job = this.spool.janitor
      .reap(pid)
      .then(({ inboxes, undelivered }) => {
        this.retired.dropped['peer-left'] += undelivered;
        if (inboxes > 0) this.log.info('cleared the inbox of an ended session', { session: pid, inboxes, undelivered });
      })
      .catch((err: Error) => this.log.error('reaping failed', { session: pid, error: err.message }));
    this.reaping.add(job);
    void job.finally(() => this.reaping.delete(job));
    this.onChange();
  }

  close(): void {
    void this.watcher?.close();
    this.watcher = null;
  }
}
