/**
 * Picks the cipher engine for a new state: the WebAssembly one when the runtime
 * has WebAssembly, else the plain JavaScript one. TFGW_CIPHER=js|wasm forces one
 * (wasm then fails loudly if it cannot run); it is read on every call.
 */
import { type CipherEngine, StreamCipher } from './stream';
import { WasmStreamCipher, wasmCipherAvailable } from './wasm';

export type CipherKind = 'js' | 'wasm';

/** The engine createCipher uses, from TFGW_CIPHER or what the runtime supports. */
export function cipherKind(env: NodeJS.ProcessEnv = process.env): CipherKind {
  const forced = env.TFGW_CIPHER;
  if (forced === 'js' || forced === 'wasm') return forced;
  if (forced !== undefined && forced !== '') {
    throw new Error(`TFGW_CIPHER must be "js" or "wasm", not ${JSON.stringify(forced)}`);
  }
  return wasmCipherAvailable() ? 'wasm' : 'js';
}

/** A fresh cipher state for `key` (both directions of a session start from the same key). */
export function createCipher(key: Uint8Array): CipherEngine {
  return cipherKind() === 'wasm' ? new WasmStreamCipher(key) : new StreamCipher(key);
}
