/**
 * Each session process keeps a small JSON record of itself in `<spool>/.run/<pid>.json`:
 * whether it is idle (waiting to accept) or serving a client, and its counters.
 * The listening process reads these records to size its pool of waiting
 * processes and to answer the metrics endpoint: files are the only channel.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProcessCounters } from './process-counters';

/** 'handshaking': serving a connection still in the connection sequence (the pool does not grow for those). */
export type RunState = 'idle' | 'handshaking' | 'busy' | 'exiting';

export interface RunRecord {
  pid: number;
  state: RunState;
  /** Since when the process has been in this state (ms since the epoch). */
  since: number;
  /** The client being served, when busy. */
  client: string | null;
  /** Connections served so far by this process. */
  connections: number;
  stats: ProcessCounters;
}

export function writeRunRecord(file: string, record: RunRecord): void {
  writeRunRecordText(file, JSON.stringify(record));
}

/** Where a record is written before it is renamed over `file`. */
export function runRecordStaging(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
}

/** A record already serialised (the publisher keeps the text to compare the next refresh with). */
export function writeRunRecordText(file: string, text: string, staging: string = runRecordStaging(file)): void {
  // Written aside and renamed, so a reader never sees half a record.
  writeFileSync(staging, text);
  renameSync(staging, file);
}

export function readRunRecord(file: string): RunRecord | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    return typeof parsed.pid === 'number' && typeof parsed.state === 'string' ? parsed : null;
  } catch {
    return null;
  }
}
