/**
 * The optional native socket helpers (src/native/tfgw_native.c, built by
 * node-gyp at install). Without them the server still works: it falls back to
 * starting a session process per accepted connection, and KEEPALIVE applies only
 * the idle time.
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
}

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

/** The descriptor under a net.Socket or net.Server (Linux), or null. */
export function descriptorOf(handleOwner: unknown): number | null {
  const handle = (handleOwner as { _handle?: { fd?: unknown } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
}
