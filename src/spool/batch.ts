/**
 * The batch file of docs/SPOOL.md §7.6: several messages for one inbox in one
 * file, so that a burst costs one create, rename, notification, read and unlink
 * instead of one of each per message. The format is kept trivial so that a shell
 * can read it: a text line `tfgw-batch <count>\n`, then `count` records, each a
 * 4-byte big-endian length and that many bytes, and nothing after the last one.
 * Encoding and decoding are pure; the spool's readers and writers do the I/O.
 */
import { MAX_MESSAGE } from '../protocol/limits';

/** A regular file whose name ends in this is a batch file (§7.6), whatever the rest of its name. */
export const BATCH_SUFFIX = '.batch';

/** A batch file is never larger than one message may be, so the reader's size rule (§8.1) covers it. */
export const MAX_BATCH_BYTES = MAX_MESSAGE;

/**
 * Messages one batch file carries at most: empty messages cost 4 bytes each, and
 * an unbounded count would let one file stand for more queued messages than the
 * inbox bound allows.
 */
export const MAX_BATCH_MESSAGES = 1024;

const MAGIC = 'tfgw-batch ';
/** The longest header: the magic, four digits and the newline. */
export const MAX_BATCH_HEADER = MAGIC.length + String(MAX_BATCH_MESSAGES).length + 1;
const LENGTH_BYTES = 4;

export function isBatchName(name: string): boolean {
  return name.endsWith(BATCH_SUFFIX);
}

/** The header line for `count` messages. */
function header(count: number): string {
  return `${MAGIC}${count}\n`;
}

/** The size of the batch file holding messages of these lengths. */
export function batchBytes(count: number, payloadBytes: number): number {
  return header(count).length + count * LENGTH_BYTES + payloadBytes;
}

/**
 * Encodes `messages` as one batch file. `scratch`, when big enough, receives the
 * bytes (the result is then a view of it, valid until its next use).
 */
export function encodeBatch(messages: readonly Uint8Array[], scratch?: Buffer): Buffer {
  let payload = 0;
  for (const m of messages) payload += m.length;
  const size = batchBytes(messages.length, payload);
  const out = scratch !== undefined && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
  let at = out.write(header(messages.length), 0, 'latin1');
  for (const m of messages) {
    out.writeUInt32BE(m.length, at);
    out.set(m, at + LENGTH_BYTES);
    at += LENGTH_BYTES + m.length;
  }
  return out;
}

/** Why a batch file cannot be delivered; the reader drops it whole (§8.1). */
export type BatchProblem = 'no-header' | 'bad-count' | 'truncated' | 'trailing-bytes' | 'too-large';

export type DecodedBatch = { messages: Buffer[] } | { problem: BatchProblem };

/**
 * The message count a batch file's first bytes announce, or null when they do not
 * start with a valid header. Enough for counting; only `decodeBatch` checks the rest.
 */
export function batchCount(head: Uint8Array): number | null {
  const end = Math.min(head.length, MAX_BATCH_HEADER);
  let newline = -1;
  for (let i = 0; i < end; i++) {
    if (head[i] === 0x0a) {
      newline = i;
      break;
    }
  }
  if (newline < MAGIC.length + 1) return null;
  const text = Buffer.from(head.buffer, head.byteOffset, newline).toString('latin1');
  if (!text.startsWith(MAGIC)) return null;
  const digits = text.slice(MAGIC.length);
  if (!/^[1-9][0-9]*$/.test(digits)) return null;
  const count = Number(digits);
  return count <= MAX_BATCH_MESSAGES ? count : null;
}

/**
 * The messages of a batch file, as views of `bytes`, in order; or what is wrong
 * with it. A valid file has a valid header, exactly that many whole records, and
 * nothing after them.
 */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  if (bytes.length > MAX_BATCH_BYTES) return { problem: 'too-large' };
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = batchCount(buf);
  if (count === null) return { problem: buf.length > 0 && buf.indexOf(MAGIC) === 0 ? 'bad-count' : 'no-header' };
  let at = header(count).length;
  const messages: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (at + LENGTH_BYTES > buf.length) return { problem: 'truncated' };
    const length = buf.readUInt32BE(at);
    at += LENGTH_BYTES;
    if (length > buf.length - at) return { problem: 'truncated' };
    messages.push(buf.subarray(at, at + length));
    at += length;
  }
  if (at !== buf.length) return { problem: 'trailing-bytes' };
  return { messages };
}
