/**
 * Stand-ins for the listener's module tests: session processes that are plain
 * event emitters, a clock the test moves, a spool in a temporary directory and
 * a logger that keeps its lines.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { SessionPool } from '../../src/listener/pool';
import type { SessionChild, SpawnSession } from '../../src/listener/spawn';
import { Logger } from '../../src/log/logger';
import { defaultSettings } from '../../src/settings/table';
import { sessionSettings } from '../../src/settings/session-settings';
import { Spool } from '../../src/spool';
import type { RunState } from '../../src/spool/run-record';
import { writeRunRecord } from '../../src/spool/run-record';
import { ProcessCounters } from '../../src/spool/process-counters';

export class FakeChild extends EventEmitter implements SessionChild {
  readonly signals: NodeJS.Signals[] = [];
  constructor(
    readonly pid: number | undefined,
    readonly mode: string,
    readonly fds: (number | object)[],
  ) {
    super();
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    return true;
  }
  /** Ends like a real child would: 'exit' with a code or a signal. */
  end(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.emit('exit', code, signal);
  }
}

export class FakeClock {
  constructor(public ms = 1_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function quietLogger(lines: string[] = []): Logger {
  return new Logger('debug', 'json', 'test', (line) => lines.push(line));
}

/** A spool of its own for every test of the calling suite (pids repeat from one fake pool to the next). */
export function spoolPerTest(): () => Spool {
  let temp: { spool: Spool; remove: () => void } | null = null;
  beforeEach(() => {
    temp = tempSpool();
  });
  afterEach(() => temp?.remove());
  return () => temp!.spool;
}

export function tempSpool(): { spool: Spool; remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-listener-'));
  const spool = new Spool({ root, staleMs: 10_000 });
  spool.init();
  return { spool, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A pool over fake children with pids from 1001 on; `children` in start order. */
export function fakePool(spool: Spool, clock: FakeClock, log = quietLogger(), pidless = false) {
  const children: FakeChild[] = [];
  let nextPid = 1001;
  const spawn: SpawnSession = (mode, fds) => {
    const child = new FakeChild(pidless ? undefined : nextPid++, mode, fds);
    children.push(child);
    return child;
  };
  const settings = sessionSettings({ ...defaultSettings(), spool: spool.layout.root }, '/key', 'sha256');
  const pool = new SessionPool(spool, settings, log, { spawn, now: clock.now });
  return { pool, children };
}

/** Writes the run record a session process `pid` would write. */
export function writeRecord(spool: Spool, pid: number, state: RunState, stats = new ProcessCounters(), client: string | null = null): void {
  writeRunRecord(spool.layout.runFile(pid), { pid, state, since: 0, client, connections: 1, stats });
}
