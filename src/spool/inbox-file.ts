/**
 * Reading one inbox entry as docs/SPOOL.md §8.1 says: opened without following a
 * link and without blocking on a FIFO, and only a regular file of at most the
 * protocol's largest message is read. Most messages are small: they are read with
 * one call into a buffer the reader reuses (a short read is the end of a regular
 * file), so a delivery allocates nothing; bigger ones get a buffer of their own.
 * Where the native helper is built, the common case (a regular file that fits
 * the reused buffer) is one call into it (native/spool_files.c); everything
 * else, and every machine without the helper, takes the path below.
 */
import { closeSync, constants, fstatSync, openSync, readSync, rmSync, type Stats, unlinkSync } from 'node:fs';
import { type SpoolFileCalls, TAKE_REUSED, TAKE_VANISHED, spoolFileCalls } from '../native';

/** Messages up to this size are read into the one reused buffer. */
const SCRATCH_BYTES = 256 * 1024;
/** The protocol's largest message; a bigger file in an inbox is dropped unread. */
export const MAX_MESSAGE_BYTES = 524288;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What an entry that is not a message is, for the log. */
export type ForeignKind = 'directory' | 'symlink' | 'fifo' | 'socket' | 'device' | 'unreadable' | 'other';

/** One entry's outcome: its bytes, a foreign entry (removed), a file too large (removed), or gone. */
export type InboxEntry =
  | { kind: 'message'; data: Buffer; reused: boolean }
  | { kind: 'foreign'; foreign: ForeignKind }
  | { kind: 'too-large'; size: number }
  | { kind: 'vanished' };

/** What a non-regular entry is, from its `lstat` or `fstat`. */
export function kindOf(stats: Stats): ForeignKind {
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'device';
  return 'other';
}

export class MessageFileReader {
  private scratch: Buffer | null = null;

  /** `calls`: the native file calls, or null for the JavaScript path alone. */
  constructor(private readonly calls: SpoolFileCalls | null = spoolFileCalls()) {}

  /**
   * Reads the entry at `file` and removes it, whatever it is (a directory with its
   * contents, never following a link). A message's bytes are only valid until the
   * next call. With `blank` (blanks.ts), a message file that may be reused is
   * emptied and moved there instead of deleted, where the native helper is built.
   */
  take(file: string, blank?: string): InboxEntry {
    if (this.calls !== null) {
      this.scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
      const got = blank === undefined ? this.calls.takeMessage(file, this.scratch) : this.calls.takeMessage(file, this.scratch, blank);
      if (got >= TAKE_REUSED) return { kind: 'message', data: this.scratch.subarray(0, got - TAKE_REUSED), reused: true };
      if (got >= 0) return { kind: 'message', data: this.scratch.subarray(0, got), reused: false };
      if (got === TAKE_VANISHED) return { kind: 'vanished' };
      // Anything else was left as it was: read it the long way.
    }
    let fd: number;
    try {
      fd = openSync(file, OPEN_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { kind: 'vanished' };
      // ELOOP: a symbolic link, which O_NOFOLLOW refuses to open.
      return removed(file, code === 'ELOOP' ? 'symlink' : 'unreadable', false);
    }
    let entry: InboxEntry;
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) entry = { kind: 'foreign', foreign: kindOf(stats) };
      else if (stats.size > MAX_MESSAGE_BYTES) entry = { kind: 'too-large', size: stats.size };
      else entry = { kind: 'message', data: this.read(fd), reused: false };
    } finally {
      closeSync(fd);
    }
    if (entry.kind === 'foreign') return removed(file, entry.foreign, entry.foreign === 'directory');
    remove(file, false);
    return entry;
  }

  private read(fd: number): Buffer {
    this.scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    const scratch = this.scratch;
    const got = readSync(fd, scratch, 0, scratch.length, 0);
    if (got < scratch.length) return scratch.subarray(0, got);
    return readRest(fd, scratch, got);
  }
}

function removed(file: string, foreign: ForeignKind, directory: boolean): InboxEntry {
  remove(file, directory);
  return { kind: 'foreign', foreign };
}

/** Removes an entry; `rm` of a directory removes links inside it, never their targets. */
function remove(file: string, directory: boolean): void {
  try {
    if (directory) rmSync(file, { recursive: true, force: true });
    else unlinkSync(file);
  } catch {
    // Gone already (the inbox is going away).
  }
}

/** A file bigger than the scratch buffer: its first `got` bytes are in `head`. */
function readRest(fd: number, head: Buffer, got: number): Buffer {
  const size = Math.min(fstatSync(fd).size, MAX_MESSAGE_BYTES);
  const whole = Buffer.allocUnsafe(Math.max(size, got));
  head.copy(whole, 0, 0, got);
  let done = got;
  while (done < whole.length) {
    const n = readSync(fd, whole, done, whole.length - done, done);
    if (n === 0) break;
    done += n;
  }
  return whole.subarray(0, done);
}
