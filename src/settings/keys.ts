/**
 * The server's RSA key pair and hash. Private keys load from PEM in PKCS#1
 * (`BEGIN RSA PRIVATE KEY`, what TFProtocol deployments hold) or PKCS#8. The public
 * key is written as SPKI (`BEGIN PUBLIC KEY`), the form the reference clients load.
 */
import { type KeyObject, constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemError } from '../log/system-error';

export interface KeyPairFiles {
  privateKey: string;
  publicKey: string;
}

/** Writes a new RSA-2048 key pair; the private key in PKCS#1 PEM, mode 0600. */
export function writeKeyPair(privateFile: string, publicFile: string): void {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(path.dirname(privateFile), { recursive: true, mode: 0o700 });
  mkdirSync(path.dirname(publicFile), { recursive: true });
  writeFileSync(privateFile, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
}

/**
 * Refuses a secret file (private key, hash) that group or others can read: the
 * gateway's authentication is only as private as these files.
 */
export function assertOwnerOnly(file: string): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${file}: mode ${mode.toString(8).padStart(4, '0')} lets group or others read a secret; run: chmod 600 ${file}`);
  }
}

export function loadPrivateKey(file: string): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw systemError('cannot read private key', file, err);
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${file}: not an RSA private key`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits !== 2048) throw new Error(`${file}: RSA key of ${bits} bits, TFProtocol uses 2048`);
  return key;
}

/** The SPKI PEM of the public half of `privateKey`. */
export function publicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/** RSA-OAEP (SHA-1, MGF1-SHA-1) decryption of a session key blob; null when invalid. */
export function decryptSessionKey(privateKey: KeyObject, blob: Buffer): Buffer | null {
  if (blob.length !== 256) return null;
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, blob);
  } catch {
    return null;
  }
}

export interface Identity {
  privateKeyFile: string;
  publicKeyFile: string;
  hash: string;
  created: string[];
}

/** Creates `dir` (and its parents); an error names the directory, what it is for, and the system's reason. */
export function makeDirectory(dir: string, what: string, mode?: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (err) {
    throw systemError(`cannot create ${what}`, dir, err);
  }
}

/**
 * Makes sure the data directory holds what a first start needs: a key pair (unless
 * a key file is configured) and a hash (unless one is configured). A configured
 * key file is read before anything is written.
 */
export function ensureServerIdentity(dataDir: string, keyFile: string, hash: string): Identity {
  const created: string[] = [];
  const configuredKey = keyFile ? loadPrivateKey(keyFile) : null;
  makeDirectory(dataDir, 'data directory', 0o700);
  const privateKeyFile = keyFile || path.join(dataDir, 'private.pem');
  const publicKeyFile = path.join(dataDir, 'public.pem');
  if (!keyFile && !existsSync(privateKeyFile)) {
    try {
      writeKeyPair(privateKeyFile, publicKeyFile);
    } catch (err) {
      throw systemError('cannot write key pair in', dataDir, err);
    }
    created.push(privateKeyFile, publicKeyFile);
  }
  assertOwnerOnly(privateKeyFile);
  const key = configuredKey ?? loadPrivateKey(privateKeyFile);
  const pem = publicPem(key);
  if (!existsSync(publicKeyFile) || readFileSync(publicKeyFile, 'utf8') !== pem) {
    writeFileSync(publicKeyFile, pem, { mode: 0o644 });
    created.push(publicKeyFile);
  }
  let effectiveHash = hash;
  if (!effectiveHash) {
    const hashFile = path.join(dataDir, 'hash');
    if (!existsSync(hashFile)) {
      writeFileSync(hashFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
      created.push(hashFile);
    }
    assertOwnerOnly(hashFile);
    effectiveHash = readFileSync(hashFile, 'utf8').trim();
  }
  return { privateKeyFile, publicKeyFile, hash: effectiveHash, created };
}
