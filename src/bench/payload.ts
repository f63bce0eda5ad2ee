/**
 * The bench's message body: a sequence number and the send time at the front,
 * then filler up to the requested size.
 *
 *   bytes 0..3   sequence number, uint32 little-endian
 *   bytes 4..11  send time, float64 little-endian, ms on the shared clock (clock.ts)
 *   bytes 12..   filler
 */
import { randomBytes } from 'node:crypto';
import { MAX_MESSAGE } from '../protocol/limits';

export const HEADER_BYTES = 12;

/** A message template of `size` bytes with random filler; stamp() rewrites its header. */
export function makeBody(size: number): Buffer {
  if (!Number.isInteger(size) || size < HEADER_BYTES || size > MAX_MESSAGE) {
    throw new RangeError(`--size must be ${HEADER_BYTES} to ${MAX_MESSAGE} bytes (sequence number and timestamp come first)`);
  }
  return randomBytes(size);
}

export function stamp(body: Buffer, seq: number, sentAt: number): Buffer {
  body.writeUInt32LE(seq >>> 0, 0);
  body.writeDoubleLE(sentAt, 4);
  return body;
}

/** The header of a received body, or null when it is too short to be one of ours. */
export function readStamp(body: Buffer): { seq: number; sentAt: number } | null {
  if (body.length < HEADER_BYTES) return null;
  return { seq: body.readUInt32LE(0), sentAt: body.readDoubleLE(4) };
}
