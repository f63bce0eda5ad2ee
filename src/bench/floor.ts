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
import { type Row, costRatio, rateRatio } from './report';

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
  const rows: Row[] = [];
  if (f.cipher) {
    const c = f.cipher.cNsPerByte;
    if (c) {
      rows.push(
        { key: 'cipher.c.enc', label: 'cipher C encipher', value: c.enc, unit: 'ns/B' },
        { key: 'cipher.c.dec', label: 'cipher C decipher', value: c.dec, unit: 'ns/B' },
      );
    }
    for (const [name, t] of [
      ['wasm', f.cipher.wasm],
      ['js', f.cipher.js],
    ] as const) {
      rows.push(
        { key: `cipher.${name}.enc`, label: `cipher ${name} encipher`, value: t.enc, unit: 'ns/B', floor: c?.enc, ratio: costRatio(t.enc, c?.enc) },
        { key: `cipher.${name}.dec`, label: `cipher ${name} decipher`, value: t.dec, unit: 'ns/B', floor: c?.dec, ratio: costRatio(t.dec, c?.dec) },
      );
    }
  }
  if (f.ipc) {
    const base = f.ipc.fsWatch;
    for (const r of [f.ipc.fsWatch, f.ipc.chokidar]) {
      const vs = r === base ? null : base;
      const timed = (key: 'oneHopMs' | 'roundTripMs', q: 'p50' | 'p99', label: string): Row => {
        const value = r[key]?.[q] ?? null;
        const floor = vs ? (vs[key]?.[q] ?? null) : null;
        return { key: `ipc.${r.watcher}.${key}.${q}`, label: `${r.watcher} ${label} ${q}`, value, unit: 'ms', floor, ratio: costRatio(value, floor) };
      };
      const floorRate = vs ? vs.streamMsgsPerS : null;
      rows.push(
        timed('oneHopMs', 'p50', 'one hop'),
        timed('oneHopMs', 'p99', 'one hop'),
        timed('roundTripMs', 'p50', 'round trip'),
        timed('roundTripMs', 'p99', 'round trip'),
        {
          key: `ipc.${r.watcher}.streamMsgsPerS`,
          label: `${r.watcher} one-way stream`,
          value: r.streamMsgsPerS,
          unit: 'msgs/s',
          floor: floorRate,
          ratio: rateRatio(r.streamMsgsPerS, floorRate),
        },
      );
    }
  }
  if (f.tcp) {
    rows.push(
      { key: 'tcp.roundTripMs.p50', label: 'loopback TCP round trip p50', value: f.tcp.roundTripMs?.p50 ?? null, unit: 'ms' },
      { key: 'tcp.roundTripMs.p99', label: 'loopback TCP round trip p99', value: f.tcp.roundTripMs?.p99 ?? null, unit: 'ms' },
    );
  }
  if (f.node) {
    rows.push(
      { key: 'node.startup.p50', label: 'node -e 0 start-up p50', value: f.node.startupMs?.p50 ?? null, unit: 'ms' },
      { key: 'node.startup.p99', label: 'node -e 0 start-up p99', value: f.node.startupMs?.p99 ?? null, unit: 'ms' },
      { key: 'node.pssMB', label: 'idle node PSS', value: f.node.pssMB, unit: 'MB' },
      {
        key: 'node.pssSideBySideMB',
        label: `idle node PSS, ${f.node.sideBySide} at once`,
        value: f.node.pssSideBySideMB,
        unit: 'MB',
      },
    );
  }
  return rows;
}
