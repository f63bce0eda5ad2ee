/**
 * Each session process keeps a small JSON record of itself in `<spool>/.run/<pid>.json`:
 * whether it is idle (waiting to accept) or serving a client, and its counters.
 * The listening process reads these records to size its pool of waiting
 * processes and to answer the metrics endpoint: files are the only channel.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RECORD_EXCHANGED, RECORD_NO_EXCHANGE, RECORD_RENAMED, recordReplacer } from '../native';
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

/** Where a record is written before it replaces `file`: kept as the next write's spare where names can be exchanged. */
export function runRecordStaging(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
}

/** A record already serialised, written aside and renamed over `file`. */
export function writeRunRecordText(file: string, text: string, staging: string = runRecordStaging(file)): void {
  // Written aside and renamed, so a reader never sees half a record.
  writeFileSync(staging, text);
  renameSync(staging, file);
}

/**
 * The text of a record's write number `version`: the number comes first and
 * last, so that a reader can tell a record read while it was being overwritten
 * (RunRecordWriter) from a whole one.
 */
export function runRecordText(json: string, version: number): string {
  // `json` is a record as JSON.stringify wrote it: an object with fields.
  return `{"version":${version},${json.slice(1, -1)},"versionEnd":${version}}`;
}

/**
 * One process's record, rewritten for each change. Where the native helper is
 * built, a write goes into the staging file, which is the record before last,
 * and the two names are exchanged in one rename (src/native/record_file.c):
 * nothing is created or freed, and no rename replaces a file, which on ext4
 * flushes the new file to the disk first. Where names cannot be exchanged (NFS)
 * it is written aside and renamed over the record, as `writeRunRecordText`.
 */
export class RunRecordWriter {
  private exchange = recordReplacer();
  private version = 0;

  constructor(
    readonly file: string,
    readonly staging: string = runRecordStaging(file),
  ) {}

  /** `json` is the record's JSON.stringify. Throws what the plain write throws (ENOENT: `.run` is gone). */
  write(json: string): void {
    const text = runRecordText(json, ++this.version);
    if (this.exchange) {
      const got = this.exchange(this.file, this.staging, Buffer.from(text));
      if (got === RECORD_EXCHANGED || got === RECORD_RENAMED) return;
      if (got === RECORD_NO_EXCHANGE) {
        this.exchange = null;
        return;
      }
      // An error: the plain write meets it too, and throws it with its code.
    }
    writeRunRecordText(this.file, text, this.staging);
  }
}

/** How often a record is read again when it was caught being overwritten. */
const TORN_READS = 3;

export function readRunRecord(file: string): RunRecord | null {
  // A reader that opened the record just before it became the spare can read
  // it while the next write overwrites it: the text then does not parse, or its
  // two version numbers differ. The record under the name is whole: read again.
  for (let attempt = 1; attempt <= TORN_READS; attempt++) {
    let parsed: Partial<RunRecord> & { version?: unknown; versionEnd?: unknown };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== undefined) return null; // not there, not readable
      continue;
    }
    if (parsed === null || typeof parsed !== 'object') return null;
    if (parsed.version !== parsed.versionEnd) continue;
    return typeof parsed.pid === 'number' && typeof parsed.state === 'string' ? (parsed as RunRecord) : null;
  }
  return null;
}
