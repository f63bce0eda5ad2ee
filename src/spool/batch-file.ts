/**
 * Batch files on disk (docs/SPOOL.md §7.6), for the parties that count queued
 * messages without delivering them: the inbox bound and `tfgw spool`. Entries are
 * opened as the reader opens them (never following a link, never blocking on a
 * FIFO), and anything that is not a regular batch file counts as one message.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_BATCH_BYTES, MAX_BATCH_HEADER, batchCount, decodeBatch } from './batch';

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What a queued entry stands for: messages and bytes on disk, or null when it is gone. */
export interface QueuedEntry {
  messages: number;
  bytes: number;
}

const head = Buffer.alloc(MAX_BATCH_HEADER);

/**
 * The messages a batch file announces in its header and its size. A file whose
 * header is bad counts as one message: the reader will drop it, and until then it
 * takes room like one.
 */
export function peekBatch(file: string): QueuedEntry | null {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { messages: 1, bytes: stats.size };
    const got = readSync(fd, head, 0, head.length, 0);
    return { messages: batchCount(head.subarray(0, got)) ?? 1, bytes: stats.size };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and checks a whole batch file: its message count when it is valid, or
 * null when the reader would drop it (or it is gone).
 */
export function countBatch(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > MAX_BATCH_BYTES) return null;
    const bytes = Buffer.allocUnsafe(stats.size);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) break;
      done += n;
    }
    const decoded = decodeBatch(bytes.subarray(0, done));
    return 'messages' in decoded ? decoded.messages.length : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
