/**
 * What waits in one identity's inbox, looked at without taking anything
 * (`tfgw spool peek`): each entry the reader would treat as a message (§8.1), in
 * the order it would deliver them, with its size, age, the writer its name
 * reveals and the first bytes, escaped so that a listing never puts a control
 * character on an operator's terminal. Entries are opened the way the reader
 * opens them (never following a link, never blocking on a FIFO), and opening one
 * changes nothing the reader sees.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import path from 'node:path';
import { listDir } from './fs-safe';
import { type ForeignKind, kindOf } from './inbox-file';
import { FULL_MARK, type SpoolLayout, isMessageEntry } from './layout';
import { describeWriter, parseMessageName } from './message-name';
import { readOwnerRecord } from './owner-record';

/** Bytes of each message shown by default. */
export const PREVIEW_BYTES = 48;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface QueuedEntry {
  name: string;
  /** `file` for a message; anything else is what the reader will remove undelivered. */
  kind: 'file' | ForeignKind;
  size: number;
  /** Since the entry was last modified (written, or renamed in by `mv`, which keeps the time). */
  ageMs: number;
  /** Which naming pattern of SPOOL.md §7.2 the name follows. */
  pattern: 'tfgw' | 'maildir' | 'other';
  writer: string;
  /** The first bytes, escaped (printable ASCII as is, `\n` `\t` `\\`, others `\xHH`). */
  preview: string;
  /** More bytes follow the preview. */
  truncated: boolean;
}

export interface InboxPeek {
  name: string;
  /** The link resolves to an inbox: someone holds the identity. */
  present: boolean;
  /** The holder's printable identity and pid, from owner.json. */
  identity: string | null;
  pid: number | null;
  claim: string | null;
  full: boolean;
  entries: QueuedEntry[];
}

/** The inbox behind the identity link `name`, as it is now. */
export function peekInbox(layout: SpoolLayout, name: string, previewBytes = PREVIEW_BYTES, now = Date.now()): InboxPeek {
  const dir = layout.link(name);
  let claim: string | null = null;
  try {
    claim = layout.claimOfTarget(readlinkSync(dir));
  } catch {
    claim = null;
  }
  const owner = claim === null ? null : readOwnerRecord(dir);
  const names = claim === null ? [] : listDir(dir);
  const entries: QueuedEntry[] = [];
  // Byte-wise, as the reader sorts a listing (§7.3).
  const messages = names.filter(isMessageEntry).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const entry of messages) {
    const seen = lookAt(path.join(dir, entry), previewBytes, now);
    if (seen === null) continue; // delivered meanwhile
    const parts = parseMessageName(entry);
    entries.push({ name: entry, ...seen, pattern: parts.pattern, writer: describeWriter(parts) });
  }
  return {
    name,
    present: claim !== null && owner !== null,
    identity: owner?.identity ?? null,
    pid: owner?.pid ?? null,
    claim,
    full: names.includes(FULL_MARK),
    entries,
  };
}

type Look = Pick<QueuedEntry, 'kind' | 'size' | 'ageMs' | 'preview' | 'truncated'>;

/** One entry's kind, size, age and preview; null when it is gone. */
function lookAt(file: string, previewBytes: number, now: number): Look | null {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A symbolic link (ELOOP) or a file we may not read: described, not opened.
    try {
      const stats = lstatSync(file);
      return { kind: stats.isFile() ? 'unreadable' : kindOf(stats), size: stats.size, ageMs: ageOf(stats.mtimeMs, now), preview: '', truncated: false };
    } catch {
      return null;
    }
  }
  try {
    const stats = fstatSync(fd);
    const base = { size: stats.size, ageMs: ageOf(stats.mtimeMs, now) };
    if (!stats.isFile()) return { kind: kindOf(stats), ...base, preview: '', truncated: false };
    const head = Buffer.alloc(Math.min(previewBytes, stats.size));
    const got = head.length === 0 ? 0 : readSync(fd, head, 0, head.length, 0);
    return { kind: 'file', ...base, preview: escapeBytes(head.subarray(0, got)), truncated: stats.size > got };
  } finally {
    closeSync(fd);
  }
}

/** Whole milliseconds; a clock step back shows as 0, not as a negative age. */
function ageOf(mtimeMs: number, now: number): number {
  return Math.max(0, Math.round(now - mtimeMs));
}

/** Bytes as text that is safe on a terminal: printable ASCII kept, everything else escaped. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0d) out += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}
