/**
 * Stand-ins for the session process's module tests: a run publisher over a
 * temporary spool, and a lifecycle whose exit only records the code.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '../../src/log/logger';
import { Lifecycle } from '../../src/session/lifecycle';
import { RunPublisher } from '../../src/session/run-publisher';
import { Spool } from '../../src/spool';
import { ProcessCounters } from '../../src/spool/process-counters';
import { readRunRecord } from '../../src/spool/run-record';

export function tempSpool(): { spool: Spool; remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-session-'));
  const spool = new Spool({ root, staleMs: 10_000 });
  spool.init();
  return { spool, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function recordingLogger(lines: string[] = []): Logger {
  return new Logger('debug', 'json', 'session', (line) => lines.push(line));
}

export interface Rig {
  spool: Spool;
  publisher: RunPublisher;
  lifecycle: Lifecycle;
  stats: ProcessCounters;
  /** Exit codes passed to the lifecycle's exit, in order. */
  exits: number[];
  logLines: string[];
  clock: { ms: number };
  /** Times the lifecycle gave back the listening sockets. */
  released: { count: number };
  /** The record as written to the spool now. */
  written: () => ReturnType<typeof readRunRecord>;
  remove: () => void;
}

/** A publisher and a lifecycle wired as main.ts wires them, with pid 4242 and a fake clock. */
export function sessionRig(depth = () => 0): Rig {
  const { spool, remove } = tempSpool();
  const stats = new ProcessCounters();
  const exits: number[] = [];
  const logLines: string[] = [];
  const log = recordingLogger(logLines);
  const clock = { ms: 5_000_000 };
  const file = spool.layout.runFile(4242);
  const publisher = new RunPublisher({ file, pid: 4242, stats, remakeSpool: () => spool.init(), inboxDepth: depth, log, now: () => clock.ms });
  const released = { count: 0 };
  const lifecycle = new Lifecycle({
    log,
    publishExiting: () => publisher.publish('exiting', null),
    exit: (code) => exits.push(code),
    releaseListeners: () => released.count++,
  });
  return { spool, publisher, lifecycle, stats, exits, logLines, clock, released, written: () => readRunRecord(file), remove };
}

/** A connection that records shutdowns and ends when the test says. */
export class FakeConnection {
  readonly shutdowns: string[] = [];
  started = false;
  inboxDepth = 0;
  beforeHash = true;
  onAuthenticated: () => void = () => {};
  private resolveDone: (reason: string) => void = () => {};
  readonly done = new Promise<string>((resolve) => {
    this.resolveDone = resolve;
  });
  constructor(
    readonly client: string,
    readonly procKey: string,
  ) {}
  start(): void {
    this.started = true;
  }
  shutdown(reason: string): void {
    this.shutdowns.push(reason);
    this.end(reason);
  }
  end(reason = 'client closed'): void {
    this.resolveDone(reason);
  }
}

/** Something that emits the process events the lifecycle listens to. */
export class FakeProcess extends EventEmitter {}
