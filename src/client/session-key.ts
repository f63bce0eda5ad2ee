import { type KeyObject, constants, publicEncrypt, randomBytes } from 'node:crypto';
import { isDegenerateKey } from '../protocol/cipher/stream';
import { MAX_SESSION_KEY, MIN_SESSION_KEY } from '../protocol/limits';

/** A fresh random session key. Keys that would leave the cipher degenerate are redrawn. */
export function drawSessionKey(length: number): Buffer {
  if (!Number.isInteger(length) || length < MIN_SESSION_KEY || length > MAX_SESSION_KEY) {
    throw new RangeError(`session key length must be an integer from ${MIN_SESSION_KEY} to ${MAX_SESSION_KEY}`);
  }
  let key = randomBytes(length);
  while (isDegenerateKey(key)) key = randomBytes(length);
  return key;
}

/** Encrypts the session key for the server: RSA with OAEP padding, SHA-1 and MGF1-SHA-1. */
export function sealSessionKey(sessionKey: Buffer, publicKey: string | KeyObject): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, sessionKey);
}
