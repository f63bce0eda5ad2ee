/**
 * The TFProtocol wire format in one place: every encoder and decoder both halves
 * of a session use (frames, signals, the gateway send, the leave sequence, the
 * incremental FrameReader), so the format is written once and read back by the
 * same code that checks it.
 */
import type { CipherEngine } from './cipher/stream';
import { GATEWAY_EXIT, HEADER_SIZE, MAX_IDENTITY, MAX_MESSAGE } from './limits';

/**
 * Builds one frame, `[len][payload]`, enciphered as the wire cuts it (header and
 * payload are separate cipher calls), in a single buffer so that it goes out in
 * one write and can never be interleaved with another frame.
 */
export function encodeFrame(payload: Uint8Array | string, cipher: CipherEngine | null): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  out.writeInt32BE(body.length, 0);
  out.set(body, HEADER_SIZE);
  if (cipher) {
    cipher.encrypt(out.subarray(0, HEADER_SIZE));
    cipher.encrypt(out.subarray(HEADER_SIZE));
  }
  return out;
}

/** A bare length header with no payload (signals such as the gateway's -1). */
export function encodeSignal(value: number, cipher: CipherEngine | null): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE);
  out.writeInt32BE(value, 0);
  if (cipher) cipher.encrypt(out);
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

/** Why a gateway message cannot go on the wire, or null when it can. */
export function messageProblem(message: Uint8Array): string | null {
  return message.length > MAX_MESSAGE ? `message must be at most ${MAX_MESSAGE} bytes, got ${message.length}` : null;
}

/**
 * Builds one gateway send, `[len d][destination][len m][message]`, in a single
 * buffer so it goes out in one write. The wire cuts it into four cipher calls:
 * each header and each payload on its own (an empty message is an empty call),
 * exactly as two frames written one after the other.
 */
export function encodeGatewaySend(destination: Uint8Array, message: Uint8Array, cipher: CipherEngine): Buffer {
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

/** Which half of a gateway send the server is reading. */
export type GatewayPosition = 'destination' | 'message';

/** The largest payload each half of a gateway send may carry. */
export function gatewayLimit(position: GatewayPosition): number {
  return position === 'destination' ? MAX_IDENTITY : MAX_MESSAGE;
}

/** What one frame read in the gateway means. */
export type GatewayPart =
  /** -1 in the destination position: the client leaves the gateway. */
  | { kind: 'leave' }
  /** Zero or another signal in the destination position: reserved, ignored. */
  | { kind: 'reserved'; length: number }
  | { kind: 'destination'; destination: Buffer }
  | { kind: 'message'; message: Buffer }
  /** A signal (or a length over the limit) in the message position: a protocol violation. */
  | { kind: 'invalid'; length: number };

/** Decodes one frame of the gateway loop, read with `gatewayLimit(position)`. */
export function decodeGatewayPart(position: GatewayPosition, length: number, payload: Buffer | null): GatewayPart {
  if (position === 'destination') {
    if (length === GATEWAY_EXIT) return { kind: 'leave' };
    if (payload === null || length === 0) return { kind: 'reserved', length };
    return { kind: 'destination', destination: payload };
  }
  if (payload === null || length > MAX_MESSAGE) return { kind: 'invalid', length };
  return { kind: 'message', message: payload };
}

/**
 * The bytes that leave the gateway: the bare -1, then `ECHO <token>`, enciphered
 * in that order. The server sends nothing to confirm an exit and may be writing
 * deliveries when it reads the -1; it answers the ECHO only after it has left and
 * after every delivery it wrote before, so the echoed token marks the end of the stay.
 */
export function encodeLeaveSequence(token: string, cipher: CipherEngine): Buffer {
  return Buffer.concat([encodeSignal(GATEWAY_EXIT, cipher), encodeFrame(leaveCommand(token), cipher)]);
}

/** The command of the leave sequence; its reply is the token itself. */
export function leaveCommand(token: string): string {
  return `ECHO ${token}`;
}

/** What `FrameReader.next` found. */
export type ReadResult =
  /** A whole frame. `payload` is null for a header of zero or less with no body. */
  | { kind: 'frame'; length: number; payload: Buffer | null }
  /** More bytes are needed. */
  | { kind: 'partial' }
  /** The header announced more than the caller allows; nothing after it was consumed. */
  | { kind: 'oversized'; length: number };

/**
 * Incremental frame decoder. Bytes arrive in arbitrary pieces through `push`; the
 * consumer pulls one frame at a time with the payload limit that applies in its
 * current state, and may swap the cipher between frames (the connection sequence
 * turns it on after the key exchange). A header is deciphered exactly once, as one
 * call, as soon as its four bytes are in; the payload is deciphered as one call when
 * it is complete. A negative header has no body: it is a signal.
 */
export class FrameReader {
  cipher: CipherEngine | null = null;
  /** Received chunks; those before `head` are consumed (an index, not shift(), keeps take() linear). */
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private pendingLength: number | null = null;

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True while a header has been read and its payload is still incomplete. */
  get inFrame(): boolean {
    return this.pendingLength !== null || this.buffered > 0;
  }

  /**
   * Hands `chunk` to the reader, which owns it from now on: payloads are
   * deciphered in place and may be handed out as (parts of) the very chunk, so
   * the caller must not reuse it. Socket reads are fresh buffers, so this costs
   * nothing there and saves a copy of every payload.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  next(maxPayload: number): ReadResult {
    if (this.pendingLength === null) {
      if (this.buffered < HEADER_SIZE) return { kind: 'partial' };
      const header = this.take(HEADER_SIZE);
      this.cipher?.decrypt(header);
      this.pendingLength = header.readInt32BE(0);
    }
    const length = this.pendingLength;
    if (length > maxPayload) {
      // Leave the reader parked on this header: the caller is expected to stop reading.
      return { kind: 'oversized', length };
    }
    if (length < 0) {
      this.pendingLength = null;
      return { kind: 'frame', length, payload: null };
    }
    if (this.buffered < length) return { kind: 'partial' };
    const payload = this.take(length);
    this.cipher?.decrypt(payload);
    this.pendingLength = null;
    return { kind: 'frame', length, payload };
  }

  /** Removes and returns exactly `n` buffered bytes. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[this.head]!;
    let out: Buffer;
    if (first.length === n) {
      out = first;
      this.advance();
    } else if (first.length > n) {
      out = first.subarray(0, n);
      this.chunks[this.head] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[this.head]!;
        const want = n - filled;
        if (chunk.length <= want) {
          out.set(chunk, filled);
          filled += chunk.length;
          this.advance();
        } else {
          out.set(chunk.subarray(0, want), filled);
          this.chunks[this.head] = chunk.subarray(want);
          filled += want;
        }
      }
    }
    this.buffered -= n;
    return out;
  }

  /** Drops the head chunk; compacts the array now and then so that it never grows without bound. */
  private advance(): void {
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
