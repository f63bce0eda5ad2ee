/**
 * The file-IPC floor: what the spool's mechanism costs with no protocol around
 * it. Two processes (floor-ipc-peer.ts) pass messages through two directories
 * on the spool's file system: temporary write, rename into the other's inbox,
 * watcher wake-up, read, delete. Measured once with fs.watch (inotify, the
 * floor) and once with chokidar (what the server uses):
 *  - ping-pong: one-hop times (send to read in the other process) and round trips;
 *  - stream: one end writes a burst of files, the other takes them; messages/s.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import path from 'node:path';
import type { FromIpcPeer, ToIpcPeer, WatcherKind } from './floor-ipc-peer';
import { type Summary, summarize } from './stats';

const PEER_ENTRY = path.join(__dirname, 'floor-ipc-peer.js');
const STEP_TIMEOUT_MS = 60_000;

export interface IpcFloorOptions {
  size: number;
  rounds: number;
  warmup: number;
  streamMessages: number;
}

export interface IpcFloor {
  watcher: WatcherKind;
  /** Write to read, one process to the other. */
  oneHopMs: Summary | null;
  /** Write, the other's read, delete and answer, and the read of the answer. */
  roundTripMs: Summary | null;
  streamMessages: number;
  /** From the first write of the burst to the last read. */
  streamMsgsPerS: number;
}

/** Names of common file-system magic numbers (statfs f_type). */
const FS_TYPES = new Map<number, string>([
  [0x01021994, 'tmpfs'],
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlayfs'],
  [0x6969, 'nfs'],
  [0x65735546, 'fuse'],
  [0x2fc12fc1, 'zfs'],
]);

/** The type of the file system holding `dir`, as a name when known. */
export function fileSystemType(dir: string): string {
  try {
    const type = statfsSync(dir).type;
    return FS_TYPES.get(type) ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

class PeerProcess {
  readonly child: ChildProcess;
  private readonly waiting = new Map<string, (msg: FromIpcPeer) => void>();
  private failure: ((error: Error) => void) | null = null;

  constructor(name: string) {
    this.child = fork(PEER_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: FromIpcPeer) => {
      if (msg.ev === 'error') return this.failure?.(new Error(`file-IPC floor, ${name}: ${msg.message}`));
      const resolve = this.waiting.get(msg.ev);
      this.waiting.delete(msg.ev);
      resolve?.(msg);
    });
    this.child.on('exit', (code) => {
      if (code !== 0) this.failure?.(new Error(`file-IPC floor, ${name} exited with ${code}`));
    });
  }

  /** Sends `msg` and waits for the event `ev` from the peer. */
  ask<E extends FromIpcPeer['ev']>(msg: ToIpcPeer, ev: E): Promise<Extract<FromIpcPeer, { ev: E }>> {
    const answer = this.expect(ev);
    this.child.send(msg);
    return answer;
  }

  expect<E extends FromIpcPeer['ev']>(ev: E): Promise<Extract<FromIpcPeer, { ev: E }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`file-IPC floor: no ${ev} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
      this.failure = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.waiting.set(ev, (msg) => {
        clearTimeout(timer);
        resolve(msg as Extract<FromIpcPeer, { ev: E }>);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.failure = null;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ cmd: 'exit' } satisfies ToIpcPeer);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Measures one watcher kind in `dir` (created and removed here). */
export async function measureIpcFloor(dir: string, watcher: WatcherKind, opts: IpcFloorOptions): Promise<IpcFloor> {
  const base = path.join(dir, watcher.replace(/\W/g, '-'));
  const dirs = { a: path.join(base, 'a'), b: path.join(base, 'b'), tmpA: path.join(base, 'tmp-a'), tmpB: path.join(base, 'tmp-b') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const a = new PeerProcess('first end');
  const b = new PeerProcess('second end');
  try {
    await Promise.all([
      a.ask({ cmd: 'init', inbox: dirs.a, outbox: dirs.b, tmp: dirs.tmpA, watcher, warmup: opts.warmup }, 'ready'),
      b.ask({ cmd: 'init', inbox: dirs.b, outbox: dirs.a, tmp: dirs.tmpB, watcher, warmup: opts.warmup }, 'ready'),
    ]);
    const pp = await a.ask({ cmd: 'pingpong', rounds: opts.rounds, size: opts.size }, 'pingpong');
    const back = await b.ask({ cmd: 'hops' }, 'hops');
    // The sink must be counting before the first file of the burst lands.
    await b.ask({ cmd: 'sink', messages: opts.streamMessages }, 'sinking');
    const sunk = b.expect('sunk');
    const streamed = await a.ask({ cmd: 'stream', messages: opts.streamMessages, size: opts.size }, 'streamed');
    const { lastAt } = await sunk;
    const streamS = (lastAt - streamed.startAt) / 1000;
    return {
      watcher,
      oneHopMs: summarize([...pp.hopMs, ...back.hopMs]),
      roundTripMs: summarize(pp.roundTripMs),
      streamMessages: opts.streamMessages,
      streamMsgsPerS: streamS > 0 ? opts.streamMessages / streamS : 0,
    };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(base, { recursive: true, force: true });
  }
}
