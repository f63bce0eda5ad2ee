/**
 * Cipher throughput: the JavaScript and WebAssembly engines measured in this
 * process, against the plain C transcription in scripts/floor/cipher.c, built
 * on the fly with `gcc -O2` (skipped when gcc is missing).
 *
 * Every measurement runs one state over a fixed 32-byte key, enciphers `bytes`
 * bytes in calls of `callSize` bytes, then deciphers as much, and keeps the best
 * of five runs per direction, in ns per byte. The C program does the same.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type CipherEngine, StreamCipher } from '../protocol/cipher/stream';
import { WasmStreamCipher } from '../protocol/cipher/wasm';

const run = promisify(execFile);

export interface NsPerByte {
  enc: number;
  dec: number;
}

export interface CipherBenchResult {
  /** null when no C compiler is available. */
  cNsPerByte: NsPerByte | null;
  wasm: NsPerByte;
  js: NsPerByte;
}

const RUNS = 5; // as in scripts/floor/cipher.c
const WARMUP_BYTES = 4 * 1024 * 1024;

/** The key scripts/floor/cipher.c uses: byte b is (b * 97 + 13) mod 256. */
function benchKey(): Uint8Array {
  const key = new Uint8Array(32);
  for (let b = 0; b < key.length; b++) key[b] = (b * 97 + 13) & 0xff;
  return key;
}

function callsFor(bytes: number, callSize: number): number {
  return Math.max(1, Math.floor(bytes / callSize));
}

/** Best ns/byte over RUNS runs of `calls` calls of `buf.length` bytes. */
function time(step: (buf: Uint8Array) => void, buf: Uint8Array, calls: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < calls; k++) step(buf);
    const ns = Number(process.hrtime.bigint() - start) / (calls * buf.length);
    best = Math.min(best, ns);
  }
  return best;
}

function measureEngine(make: (key: Uint8Array) => CipherEngine, bytes: number, callSize: number): NsPerByte {
  const cipher = make(benchKey());
  const buf = new Uint8Array(callSize);
  for (let p = 0; p < buf.length; p++) buf[p] = p % 251;
  const encrypt = (b: Uint8Array) => cipher.encrypt(b);
  const decrypt = (b: Uint8Array) => cipher.decrypt(b);
  const warmup = callsFor(Math.min(bytes, WARMUP_BYTES), callSize);
  for (let k = 0; k < warmup; k++) encrypt(buf);
  for (let k = 0; k < warmup; k++) decrypt(buf);
  const calls = callsFor(bytes, callSize);
  return { enc: time(encrypt, buf, calls), dec: time(decrypt, buf, calls) };
}

/** scripts/floor/cipher.c, seen from src/bench or from the compiled dist/src/bench. */
function floorSource(): string {
  for (const up of ['../..', '../../..']) {
    const file = path.resolve(__dirname, up, 'scripts', 'floor', 'cipher.c');
    if (existsSync(file)) return file;
  }
  throw new Error('scripts/floor/cipher.c not found');
}

async function measureC(bytes: number, callSize: number): Promise<NsPerByte | null> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tfgw-cipher-floor-'));
  try {
    const exe = path.join(dir, 'cipher-floor');
    try {
      await run('gcc', ['-O2', '-o', exe, floorSource()]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const { stdout } = await run(exe, [String(bytes / (1024 * 1024)), String(callSize)]);
    const result = JSON.parse(stdout) as NsPerByte;
    return { enc: result.enc, dec: result.dec };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchCipher(opts: { bytes: number; callSize: number }): Promise<CipherBenchResult> {
  const { bytes, callSize } = opts;
  if (!(bytes > 0 && Number.isInteger(callSize) && callSize > 0)) {
    throw new RangeError('bytes and callSize must be positive');
  }
  const cNsPerByte = await measureC(bytes, callSize);
  const wasm = measureEngine((key) => new WasmStreamCipher(key), bytes, callSize);
  const js = measureEngine((key) => new StreamCipher(key), bytes, callSize);
  return { cNsPerByte, wasm, js };
}
