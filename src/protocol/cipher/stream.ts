/**
 * The TFProtocol stream cipher (one direction's state).
 *
 * State: a mutable copy of the session key and a 64-bit seed that starts as the
 * key's first eight bytes read little-endian. Every byte advances the seed by
 *   seed = seed * ((seed >> 8) & 0xFFFFFFFF) + ((seed >> 40) & 0xFFFF)   (mod 2^64)
 * and writes the seed's low byte back into the key. The key index restarts at 0
 * on every call, so callers must cut the stream exactly as the wire does: one call
 * per length header and one per payload.
 *
 * The seed is kept as two unsigned 32-bit halves because a BigInt per byte is two
 * orders of magnitude slower. `CipherEngine` lets a faster backend replace this one.
 */
export interface CipherEngine {
  /** Enciphers `data` in place as one call. */
  encrypt(data: Uint8Array): void;
  /** Deciphers `data` in place as one call. */
  decrypt(data: Uint8Array): void;
}

export class StreamCipher implements CipherEngine {
  private readonly key: Uint8Array;
  private lo: number;
  private hi: number;

  constructor(sessionKey: Uint8Array) {
    if (sessionKey.length < 8) throw new RangeError('session key shorter than 8 bytes');
    this.key = Uint8Array.from(sessionKey);
    this.lo = readU32(this.key, 0);
    this.hi = readU32(this.key, 4);
  }

  /** The seed as 16 lowercase hex digits (two's-complement bits), for tests and diagnostics. */
  get seedHex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }

  /** A copy of the current (mutated) key. */
  get keyBytes(): Uint8Array {
    return Uint8Array.from(this.key);
  }

  encrypt(data: Uint8Array): void {
    this.run(data, true);
  }

  decrypt(data: Uint8Array): void {
    this.run(data, false);
  }

  private run(data: Uint8Array, encrypt: boolean): void {
    const key = this.key;
    const len = key.length;
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    for (let p = 0; p < data.length; p++) {
      const top = hi >>> 24;
      data[p] = encrypt ? ((data[p]! ^ key[i]!) + top) & 0xff : ((data[p]! - top) & 0xff) ^ key[i]!;

      // m = (seed >> 8) & 0xFFFFFFFF, a = (seed >> 40) & 0xFFFF
      const m = ((hi << 24) | (lo >>> 8)) >>> 0;
      const add = (hi >>> 8) & 0xffff;
      // High 32 bits of the 32x32 product lo * m, from 16-bit limbs (exact in doubles).
      const a0 = lo & 0xffff;
      const a1 = lo >>> 16;
      const b0 = m & 0xffff;
      const b1 = m >>> 16;
      const mid = a1 * b0 + a0 * b1 + Math.floor((a0 * b0) / 65536);
      const carryHi = a1 * b1 + Math.floor(mid / 65536);
      let newLo = Math.imul(lo, m) >>> 0;
      let newHi = (carryHi + Math.imul(hi, m)) >>> 0;
      newLo += add;
      if (newLo > 0xffffffff) {
        newLo -= 0x100000000;
        newHi = (newHi + 1) >>> 0;
      }
      if (newLo === 0 && newHi === 0) {
        // The reload reads the key as it is now, already partly overwritten.
        newLo = readU32(key, 0);
        newHi = readU32(key, 4);
      }
      lo = newLo;
      hi = newHi;
      key[i] = lo & 0xff;
      i = i + 1 === len ? 0 : i + 1;
    }
    this.lo = lo;
    this.hi = hi;
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * True when a session key leaves the cipher degenerate: its seed starts at zero
 * (first eight key bytes zero), or, while enciphering two key lengths of zero bytes
 * as one call, the seed ever reaches zero (and is reloaded) or stands still. Such a
 * key ends up sending data in plain text. Runs once per session, so it uses BigInt
 * and doubles as an independent transcription of the seed chain.
 */
export function isDegenerateKey(sessionKey: Uint8Array): boolean {
  if (sessionKey.length < 8) return true;
  const key = Uint8Array.from(sessionKey);
  const mask64 = (1n << 64n) - 1n;
  let seed = 0n;
  for (let b = 7; b >= 0; b--) seed = (seed << 8n) | BigInt(key[b]!);
  if (seed === 0n) return true;
  for (let p = 0; p < 2 * key.length; p++) {
    const next = (seed * ((seed >> 8n) & 0xffffffffn) + ((seed >> 40n) & 0xffffn)) & mask64;
    if (next === 0n || next === seed) return true;
    seed = next;
    key[p % key.length] = Number(seed & 0xffn);
  }
  return false;
}
