/**
 * Opening a client connection: the session key drawn and sealed before any
 * socket exists, the TCP connect, and the connection sequence under one timeout.
 */
import { type KeyObject, constants, publicEncrypt, randomBytes } from 'node:crypto';
import { type Socket, connect as connectSocket } from 'node:net';
import { isDegenerateKey } from '../protocol/cipher/stream';
import { MAX_SESSION_KEY, MIN_SESSION_KEY } from '../protocol/limits';
import { TfClient } from './client';
import { deferred } from './deferred';
import { TfConnectionError } from './errors';
import { Wire } from './wire';

export interface ConnectOptions {
  host: string;
  port: number;
  /** The protocol version string the server expects, e.g. `0.0`. */
  version: string;
  /** The server's RSA-2048 public key: PEM text or a key object. */
  publicKey: string | KeyObject;
  /** The shared hash string the server checks after the key exchange. */
  hash: string;
  /** Session key length in bytes, 16 to 214 (default 32). */
  keyLength?: number;
  /** Limit for the TCP connect and the whole connection sequence (default 10000 ms). */
  timeoutMs?: number;
  /** The local address to connect from (default: the system picks). */
  localAddress?: string;
  /** Called with the TCP socket before it connects, to set socket options or listen to it. */
  onSocket?: (socket: Socket) => void;
}

export const DEFAULT_KEY_LENGTH = 32;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens a connection and runs the connection sequence (version, session key,
 * hash). Resolves with a client in the command interface. A `FAILED` answer
 * rejects with `TfReplyError` carrying the code; a network failure (such as a
 * refused connection, with the socket error as `cause`), a protocol violation or
 * the timeout rejects with `TfConnectionError`.
 */
export async function connect(options: ConnectOptions): Promise<TfClient> {
  const sessionKey = drawSessionKey(options.keyLength ?? DEFAULT_KEY_LENGTH);
  // Encrypting first means a bad public key fails before any socket is opened.
  const sealedKey = sealSessionKey(sessionKey, options.publicKey);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

  const socket = connectSocket({ host: options.host, port: options.port, localAddress: options.localAddress });
  socket.setNoDelay(true);
  options.onSocket?.(socket);
  const timer = setTimeout(() => {
    socket.destroy(new TfConnectionError(`connection sequence timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    await connected(socket, `${options.host}:${options.port}`);
    const ready = deferred<void>();
    const client = new TfClient(
      new Wire(socket),
      { version: options.version, hash: options.hash, sessionKey, sealedKey },
      ready,
    );
    await ready.promise;
    return client;
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the TCP connection is up; a socket error becomes a `TfConnectionError` naming the address. */
function connected(socket: Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.off('connect', onConnect);
      if (error instanceof TfConnectionError) reject(error);
      else reject(new TfConnectionError(`cannot connect to ${address}: ${error.code ?? error.message}`, { cause: error }));
    };
    const onConnect = (): void => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

/** A fresh random session key. Keys that would leave the cipher degenerate are redrawn. */
function drawSessionKey(length: number): Buffer {
  if (!Number.isInteger(length) || length < MIN_SESSION_KEY || length > MAX_SESSION_KEY) {
    throw new RangeError(`session key length must be an integer from ${MIN_SESSION_KEY} to ${MAX_SESSION_KEY}`);
  }
  let key = randomBytes(length);
  while (isDegenerateKey(key)) key = randomBytes(length);
  return key;
}

/** Encrypts the session key for the server: RSA with OAEP padding, SHA-1 and MGF1-SHA-1. */
function sealSessionKey(sessionKey: Buffer, publicKey: string | KeyObject): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, sessionKey);
}
