/**
 * `bench floor`: what the machine allows at best, measured by this tool in
 * this run, so each tfgw figure can be read against it:
 *  - cipher: the TFProtocol cipher in C (gcc -O2, built on the fly) in ns/byte,
 *    beside the JavaScript and WebAssembly engines (cipher-bench.ts);
 *  - ipc: the file-IPC hop, round trip and stream on the spool's file system,
 *    between two processes, no protocol (floor-ipc.ts);
 *  - node: a bare node process's start-up time and idle memory (floor-node.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type CipherBenchResult, benchCipher } from './cipher-bench';
import { type IpcFloor, fileSystemType, measureIpcFloor } from './floor-ipc';
import { type NodeFloor, measureNodeFloor } from './floor-node';
import { type TcpFloor, measureTcpFloor } from './floor-tcp';
import { ProgressLine } from './progress';
import type { Row } from './report';
import { asCost, asRate, figure, quantileRows } from './rows';
import type { Summary } from './stats';

export type FloorKind = 'cipher' | 'ipc' | 'tcp' | 'node';
export const FLOOR_KINDS: readonly FloorKind[] = ['cipher', 'ipc', 'tcp', 'node'];

export interface FloorOptions {
  kinds: readonly FloorKind[];
  /** The spool directory whose file system the file-IPC floor runs on. */
  spool: string;
  size: number;
  rounds: number;
  warmup: number;
  streamMessages: number;
  starts: number;
  cipherBytes: number;
  cipherCallSize: number;
  progress?: boolean;
}

export interface FloorResults {
  cipher?: CipherBenchResult & { bytes: number; callSize: number };
  ipc?: {
    /** Where it ran (removed afterwards) and that file system's type. */
    dir: string;
    fileSystem: string;
    size: number;
    rounds: number;
    fsWatch: IpcFloor;
    chokidar: IpcFloor;
  };
  tcp?: TcpFloor;
  node?: NodeFloor;
}

/** The floor's scratch directory: hidden inside the spool, so on its file system. */
export function floorDir(spool: string): string {
  return path.join(spool, `.bench-floor-${process.pid}`);
}

export async function runFloors(opts: FloorOptions): Promise<FloorResults> {
  let phase = '';
  const line = new ProgressLine((s) => `floor  ${s.toFixed(1)} s  ${phase}`, opts.progress).start();
  const out: FloorResults = {};
  try {
    if (opts.kinds.includes('cipher')) {
      phase = `cipher: C, wasm and js over ${opts.cipherBytes} bytes in ${opts.cipherCallSize}-byte calls`;
      const r = await benchCipher({ bytes: opts.cipherBytes, callSize: opts.cipherCallSize });
      out.cipher = { bytes: opts.cipherBytes, callSize: opts.cipherCallSize, ...r };
    }
    if (opts.kinds.includes('ipc')) {
      const dir = floorDir(opts.spool);
      mkdirSync(dir, { recursive: true });
      // Interrupted, the run still removes its directory from the spool.
      const interrupted = () => {
        line.stop();
        rmSync(dir, { recursive: true, force: true });
        process.exit(130);
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      try {
        const ipcOpts = { size: opts.size, rounds: opts.rounds, warmup: opts.warmup, streamMessages: opts.streamMessages };
        phase = 'file IPC with fs.watch';
        const fsWatch = await measureIpcFloor(dir, 'fs.watch', ipcOpts);
        phase = 'file IPC with chokidar';
        const chokidar = await measureIpcFloor(dir, 'chokidar', ipcOpts);
        out.ipc = { dir, fileSystem: fileSystemType(dir), size: opts.size, rounds: opts.rounds, fsWatch, chokidar };
      } finally {
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (opts.kinds.includes('tcp')) {
      phase = 'loopback TCP round trips';
      out.tcp = await measureTcpFloor(opts.size, opts.rounds, opts.warmup);
    }
    if (opts.kinds.includes('node')) {
      phase = `node start-up x${opts.starts}`;
      out.node = await measureNodeFloor(opts.starts);
    }
  } finally {
    line.stop();
  }
  return out;
}

export function floorRows(f: FloorResults): Row[] {
  return [
    ...(f.cipher ? cipherRows(f.cipher) : []),
    ...(f.ipc ? [f.ipc.fsWatch, f.ipc.chokidar].flatMap((r, i) => ipcRows(r, i === 0 ? null : f.ipc!.fsWatch)) : []),
    ...(f.tcp ? quantileRows('tcp.roundTripMs', 'loopback TCP round trip', f.tcp.roundTripMs, ['p50', 'p99']) : []),
    ...(f.node ? nodeRows(f.node) : []),
  ];
}

/** The C cipher as it is, wasm and js against it. */
function cipherRows(cipher: CipherBenchResult): Row[] {
  const c = cipher.cNsPerByte;
  const rows = c ? [figure('cipher.c.enc', 'cipher C encipher', c.enc, 'ns/B'), figure('cipher.c.dec', 'cipher C decipher', c.dec, 'ns/B')] : [];
  for (const [name, t] of [
    ['wasm', cipher.wasm],
    ['js', cipher.js],
  ] as const) {
    rows.push(
      figure(`cipher.${name}.enc`, `cipher ${name} encipher`, t.enc, 'ns/B', asCost(c?.enc)),
      figure(`cipher.${name}.dec`, `cipher ${name} decipher`, t.dec, 'ns/B', asCost(c?.dec)),
    );
  }
  return rows;
}

/** One watcher's file IPC; chokidar's against fs.watch's (`vs`). */
function ipcRows(r: IpcFloor, vs: IpcFloor | null): Row[] {
  const w = r.watcher;
  const against = (s: Summary | null | undefined) => (vs ? { summary: s, at: ['p50', 'p99'] as const } : undefined);
  return [
    ...quantileRows(`ipc.${w}.oneHopMs`, `${w} one hop`, r.oneHopMs, ['p50', 'p99'], against(vs?.oneHopMs)),
    ...quantileRows(`ipc.${w}.roundTripMs`, `${w} round trip`, r.roundTripMs, ['p50', 'p99'], against(vs?.roundTripMs)),
    figure(`ipc.${w}.streamMsgsPerS`, `${w} one-way stream`, r.streamMsgsPerS, 'msgs/s', asRate(vs ? vs.streamMsgsPerS : null)),
  ];
}

function nodeRows(node: NodeFloor): Row[] {
  return [
    ...quantileRows('node.startup', 'node -e 0 start-up', node.startupMs, ['p50', 'p99']),
    figure('node.pssMB', 'idle node PSS', node.pssMB, 'MB'),
    figure('node.pssSideBySideMB', `idle node PSS, ${node.sideBySide} at once`, node.pssSideBySideMB, 'MB'),
  ];
}
