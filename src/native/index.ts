/**
 * The optional native helpers (src/native/*.c and tfgw_v8.cc, built by node-gyp
 * at install): socket calls, the per-message file calls and two V8 calls.
 * Without them the server still works: it falls back to starting a session
 * process per accepted connection, KEEPALIVE applies only the idle time, the
 * file operations go through Node's fs, and V8 keeps its default tier-up.
 */
import path from 'node:path';

export interface NativeSockets {
  listenTcp(host: string, port: number, backlog: number, v6only: number): number;
  localPort(fd: number): number;
  dupCloexec(fd: number): number;
  closeFd(fd: number): number;
  setKeepalive(fd: number, enable: number, idle: number, interval: number, count: number, userTimeoutMs: number): number;
  getKeepalive(fd: number): number[];
  /** TCP_QUICKACK on (1) or off (0): 0 or -errno. */
  setQuickAck(fd: number, on: number): number;
  /** Whether TCP_QUICKACK is set now (the kernel clears it by itself): 0, 1 or -errno. */
  getQuickAck(fd: number): number;
  /** A low-memory V8 collection, then malloc_trim(); 1 if malloc returned memory to the system. */
  releaseMemory(): number;
  pending(fd: number): number;
  /**
   * Asks the kernel to send `signal` when the process that started this one ends
   * (prctl PR_SET_PDEATHSIG): 0 or -errno. Absent from a helper built before it existed.
   */
  parentDeathSignal?(signal: number): number;
  /** V8 flags changed at run time (tfgw_v8.cc): 0 or -EINVAL. Absent from a helper built before it existed. */
  setV8Flags?(flags: string): number;
  /** spool_files.c; absent from a helper built before it existed. */
  fileSize?(file: string): number;
  takeMessage?(file: string, into: Uint8Array, blank?: string): number;
  sendMessage?(link: string, fullMark: string, staged: string, bytes: Uint8Array, destination: string, blank?: string): number;
  /** record_file.c; absent from a helper built before it existed. */
  replaceRecord?(file: string, spare: string, bytes: Uint8Array): number;
}

/**
 * The per-message file operations of src/native/spool_files.c, each one call:
 * only the common case; every other one comes back to the JavaScript path.
 */
export interface SpoolFileCalls {
  /** The size of `file` (links followed), or -1 when it cannot be had: `stat` without a Stats object. */
  fileSize(file: string): number;
  /**
   * Reads the regular file `file` into `into` and removes it from the inbox: the
   * byte count, plus TAKE_REUSED when the file was emptied and renamed to `blank`
   * (spool/blanks.ts; otherwise it was unlinked), or TAKE_VANISHED, or TAKE_OTHER
   * (not touched: the caller reads it its own way).
   */
  takeMessage(file: string, into: Uint8Array, blank?: string): number;
  /**
   * When `link` leads to a directory and `fullMark` is not there, writes `bytes` to
   * `staged` (the file at `blank` renamed there when it may be reused, else a new
   * one) and renames it to `destination`: 0, or SEND_QUEUED_REUSED (the same, into
   * the blank), or SEND_SLOW (nothing written), SEND_WRITE_FAILED_BASE + errno
   * (staged file removed), or -errno of the rename (staged file still there).
   */
  sendMessage(link: string, fullMark: string, staged: string, bytes: Uint8Array, destination: string, blank?: string): number;
}

export const TAKE_VANISHED = -1;
export const TAKE_OTHER = -2;
/** Added to a take's byte count (which is below it) when the file was kept for reuse. */
export const TAKE_REUSED = 2 ** 30;
export const SEND_SLOW = 1;
export const SEND_QUEUED_REUSED = 2;
export const SEND_WRITE_FAILED_BASE = 100_000;
export const RECORD_EXCHANGED = 0;
export const RECORD_RENAMED = 1;
export const RECORD_NO_EXCHANGE = 2;

let cached: NativeSockets | null | undefined;

export function nativeSockets(): NativeSockets | null {
  if (cached !== undefined) return cached;
  if (process.env.TFGW_NO_NATIVE === '1') {
    cached = null;
    return cached;
  }
  try {
    cached = require(path.join(__dirname, '..', '..', '..', 'build', 'Release', 'tfgw_native.node')) as NativeSockets;
  } catch {
    cached = null;
  }
  return cached;
}

/** The native file calls, or null (no helper, or one built without them). */
export function spoolFileCalls(): SpoolFileCalls | null {
  const native = nativeSockets();
  if (!native?.fileSize || !native.takeMessage || !native.sendMessage) return null;
  return native as SpoolFileCalls;
}

/**
 * Writes `bytes` into `spare` (never through a link or a second name) and
 * exchanges it with `file` in one rename: RECORD_EXCHANGED, RECORD_RENAMED (no
 * `file` yet), RECORD_NO_EXCHANGE (renamed over `file`; this file system cannot
 * exchange), or -errno (nothing replaced). Null without the helper.
 */
export function recordReplacer(): ((file: string, spare: string, bytes: Uint8Array) => number) | null {
  const native = nativeSockets();
  return native?.replaceRecord ? native.replaceRecord.bind(native) : null;
}

/** The descriptor under a net.Socket or net.Server (Linux), or null. */
export function descriptorOf(handleOwner: unknown): number | null {
  const handle = (handleOwner as { _handle?: { fd?: unknown } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
}
