/**
 * The session process's run record (`<spool>/.run/<pid>.json`): what it is doing,
 * since when, for which client, how many connections it served, and its
 * counters. The listener sizes its pool and answers /metrics from it, so the
 * record follows every change of state and every refresh tick. A write is an
 * overwrite and a rename in the spool (RunRecordWriter), and each wakes the listener to read
 * the record again: with `coalesceMs`, a write goes out at once when none did
 * within that window, and otherwise once at the window's end with the state as
 * it is then. A short connection (connect, hash, END) then costs one or two
 * writes instead of three ('handshaking', 'busy', 'idle'), and a process never
 * writes more often than once a window. 'exiting' is always written at once:
 * the process ends right after it. A refresh tick writes only when a counter
 * changed.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../log/logger';
import type { ProcessCounters } from '../spool/process-counters';
import { type RunRecord, RunRecordWriter, type RunState } from '../spool/run-record';

export interface RunPublisherOptions {
  file: string;
  pid: number;
  stats: ProcessCounters;
  /** Makes the spool's directories again (after `.run` went away). */
  remakeSpool: () => void;
  /** Files waiting in the inbox of the client being served (0 when none). */
  inboxDepth: () => number;
  log: Logger;
  now?: () => number;
  /** The coalescing window, ms; 0 (the default) writes on every publish. */
  coalesceMs?: number;
}

/**
 * The window session processes use: at the handshake rates of two cores (a few
 * hundred a second over the pool) it takes most writes away, and the listener
 * learns of a busy process at most this late, well within a spare's start-up.
 */
export const RUN_RECORD_COALESCE_MS = 20;

export class RunPublisher {
  private readonly record: RunRecord;
  private readonly now: () => number;
  /** The record as last written, to tell whether a refresh has anything to write. */
  private lastWritten = '';
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private pending: NodeJS.Timeout | null = null;
  private readonly writer: RunRecordWriter;

  constructor(private readonly options: RunPublisherOptions) {
    this.now = options.now ?? Date.now;
    this.writer = new RunRecordWriter(options.file);
    this.record = { pid: options.pid, state: 'idle', since: this.now(), client: null, connections: 0, stats: options.stats };
  }

  get state(): RunState {
    return this.record.state;
  }

  /** Connections served so far. */
  get connections(): number {
    return this.record.connections;
  }

  /** Counts one more connection and returns its number (1 for the first). */
  countConnection(): number {
    return ++this.record.connections;
  }

  /** Records `state` (its start time only when it changes) and writes the record, now or at the window's end. */
  publish(state: RunState, client: string | null): void {
    if (this.record.state !== state) this.record.since = this.now();
    this.record.state = state;
    this.record.client = client;
    const window = this.options.coalesceMs ?? 0;
    if (state === 'exiting' || window <= 0) {
      this.writeNow();
      return;
    }
    if (this.pending) return; // the write at the window's end takes the record as it is then
    const wait = this.lastWriteAt + window - this.now();
    if (wait <= 0) {
      this.writeNow();
      return;
    }
    this.pending = setTimeout(() => this.writeNow(), wait);
    this.pending.unref();
  }

  private writeNow(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    this.lastWriteAt = this.now();
    this.options.stats.inboxDepth = this.options.inboxDepth();
    this.write();
  }

  /**
   * Writes the record again with the counters as they are now, unless nothing
   * changed and the file is still there. Every session process refreshes once a
   * second into the one `.run` directory, and each write renames a file in it
   * under the directory's lock (it created one too, before RunRecordWriter): with a thousand idle peers the
   * unchanged rewrites queued on that lock for seconds, stalling every
   * process's event loop (scripts/scale.sh). A missing file (the spool deleted)
   * is written again.
   */
  refresh(): void {
    if (this.pending) return; // the write at the window's end is about to go out
    this.options.stats.inboxDepth = this.options.inboxDepth();
    if (JSON.stringify(this.record) === this.lastWritten && existsSync(this.options.file)) return;
    this.write();
  }

  private write(): void {
    const { log } = this.options;
    const text = JSON.stringify(this.record);
    this.lastWritten = '';
    try {
      this.writer.write(text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !this.rewriteInNewSpool()) {
        log.warn('run record not written', { error: (err as Error).message });
        return;
      }
    }
    this.lastWritten = text;
  }

  /** The spool's .run directory went away (an operator, a sweep): make it again once. */
  private rewriteInNewSpool(): boolean {
    try {
      this.options.remakeSpool();
      this.writer.write(JSON.stringify(this.record));
      return true;
    } catch {
      // Reported by the caller, with the first error.
      return false;
    }
  }
}
