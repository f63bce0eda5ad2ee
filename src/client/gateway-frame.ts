import type { CipherEngine } from '../protocol/cipher/stream';
import { HEADER_SIZE, MAX_IDENTITY, MAX_MESSAGE } from '../protocol/limits';

/**
 * Builds one gateway send, `[len d][destination][len m][message]`, in a single
 * buffer so it goes out in one write. The wire cuts it into four cipher calls:
 * each header and each payload on its own (an empty message is an empty call).
 */
export function encodeGatewayMessage(destination: Uint8Array, message: Uint8Array, cipher: CipherEngine): Buffer {
  const d = destination.length;
  const m = message.length;
  const out = Buffer.allocUnsafe(2 * HEADER_SIZE + d + m);
  out.writeInt32BE(d, 0);
  out.set(destination, HEADER_SIZE);
  out.writeInt32BE(m, HEADER_SIZE + d);
  out.set(message, 2 * HEADER_SIZE + d);
  cipher.encrypt(out.subarray(0, HEADER_SIZE));
  cipher.encrypt(out.subarray(HEADER_SIZE, HEADER_SIZE + d));
  cipher.encrypt(out.subarray(HEADER_SIZE + d, 2 * HEADER_SIZE + d));
  cipher.encrypt(out.subarray(2 * HEADER_SIZE + d));
  return out;
}

/** Text as UTF-8; bytes as they are. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Why an identity (own or destination) cannot go on the wire, or null when it can. */
export function identityProblem(identity: Uint8Array): string | null {
  if (identity.length < 1 || identity.length > MAX_IDENTITY) {
    return `identity must be 1 to ${MAX_IDENTITY} bytes, got ${identity.length}`;
  }
  return null;
}

/** Why a message cannot go on the wire, or null when it can. */
export function messageProblem(message: Uint8Array): string | null {
  return message.length > MAX_MESSAGE ? `message must be at most ${MAX_MESSAGE} bytes, got ${message.length}` : null;
}
