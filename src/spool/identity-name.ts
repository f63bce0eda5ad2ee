/**
 * Maps gateway identities (arbitrary byte strings) to directory names in the spool,
 * injectively and safely:
 *  - a "plain" identity (ASCII letters, digits and `_@+=,:-.~`, not starting with a
 *    dot or `~`, at most 200 bytes) is its own name, so `ls` reads naturally;
 *  - any other identity of at most 150 bytes becomes `~b.` + base64url of its bytes;
 *  - a longer one becomes `~h.` + the SHA-256 of its bytes in hex (the full identity
 *    is kept in the inbox's owner record).
 * No produced name contains a slash or NUL, starts with a dot, or exceeds 203 bytes,
 * so an identity can never name a path outside its own inbox.
 */
import { createHash } from 'node:crypto';

const PLAIN = /^[A-Za-z0-9_@+=,:-][A-Za-z0-9_@+=,:.~-]*$/;
export const MAX_PLAIN_BYTES = 200;
export const MAX_BASE64_BYTES = 150;
const BASE64_PREFIX = '~b.';
const HASH_PREFIX = '~h.';

export function isPlainIdentity(identity: Uint8Array): boolean {
  if (identity.length === 0 || identity.length > MAX_PLAIN_BYTES) return false;
  for (const byte of identity) if (byte > 0x7e) return false;
  return PLAIN.test(Buffer.from(identity).toString('latin1'));
}

export function identityToName(identity: Uint8Array): string {
  const bytes = Buffer.from(identity.buffer, identity.byteOffset, identity.byteLength);
  if (isPlainIdentity(bytes)) return bytes.toString('latin1');
  if (bytes.length <= MAX_BASE64_BYTES) return BASE64_PREFIX + bytes.toString('base64url');
  return HASH_PREFIX + createHash('sha256').update(bytes).digest('hex');
}

/**
 * The identity a directory name stands for, or null when the name was not produced
 * by `identityToName` or is a hashed name (whose identity is in the owner record).
 */
export function nameToIdentity(name: string): Buffer | null {
  if (name.startsWith(BASE64_PREFIX)) {
    const body = name.slice(BASE64_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(body)) return null;
    const bytes = Buffer.from(body, 'base64url');
    // Only the canonical spelling counts, so that decoding stays injective.
    return identityToName(bytes) === name ? bytes : null;
  }
  if (name.startsWith(HASH_PREFIX)) return null;
  const bytes = Buffer.from(name, 'latin1');
  return isPlainIdentity(bytes) && bytes.toString('latin1') === name ? bytes : null;
}

/** True for every name `identityToName` can produce (used to tell inboxes from other entries). */
export function isIdentityName(name: string): boolean {
  if (name.startsWith(HASH_PREFIX)) return /^~h\.[0-9a-f]{64}$/.test(name);
  return nameToIdentity(name) !== null;
}

/** A printable form of an identity for logs and listings: the text itself, or 0x-hex for binary. */
export function displayIdentity(identity: Uint8Array): string {
  const bytes = Buffer.from(identity.buffer, identity.byteOffset, identity.byteLength);
  const text = bytes.toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is being rejected
  const printable = Buffer.from(text, 'utf8').equals(bytes) && !/[\u0000-\u001f\u007f]/.test(text);
  const shown = printable ? text : `0x${bytes.toString('hex')}`;
  return shown.length > 80 ? `${shown.slice(0, 77)}...(${bytes.length} bytes)` : shown;
}
