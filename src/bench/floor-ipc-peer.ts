/**
 * One end of the file-IPC floor (floor-ipc.ts), run as its own process. It
 * moves messages the way tfgw's sessions do, without the protocol: to send,
 * write a temporary file and rename it into the other end's inbox; on a watcher
 * wake-up, read the file and delete it. The watcher is fs.watch (inotify) or
 * the chokidar watch the server's inbox reader uses (src/spool/watch.ts).
 *
 * A message file holds a sequence number and its send time (payload.ts), on the
 * machine-wide clock, so the receiving process can time the hop.
 */
import { type FSWatcher, readFileSync, renameSync, unlinkSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { watchDirectory } from '../spool/watch';
import { nowMs } from './clock';
import { HEADER_BYTES, readStamp, stamp } from './payload';

export type WatcherKind = 'fs.watch' | 'chokidar';

export type ToIpcPeer =
  | { cmd: 'init'; inbox: string; outbox: string; tmp: string; watcher: WatcherKind; warmup: number }
  /** To the first end: `rounds` round trips after the warm-up. */
  | { cmd: 'pingpong'; rounds: number; size: number }
  /** To the first end: write `messages` files to the other as fast as it can. */
  | { cmd: 'stream'; messages: number; size: number }
  /** To the second end: stop echoing; count `messages` arrivals. */
  | { cmd: 'sink'; messages: number }
  /** To the second end: report the hop times it measured while echoing. */
  | { cmd: 'hops' }
  | { cmd: 'exit' };

export type FromIpcPeer =
  | { ev: 'ready' }
  | { ev: 'pingpong'; roundTripMs: number[]; hopMs: number[] }
  | { ev: 'streamed'; startAt: number; endAt: number }
  | { ev: 'sinking' }
  | { ev: 'sunk'; lastAt: number }
  | { ev: 'hops'; hopMs: number[] }
  | { ev: 'error'; message: string };

type Handler = (seq: number, sentAt: number, at: number, body: Buffer) => void;

class IpcEnd {
  private seqName = 0;
  /** Names this end deleted: their delete events are not arrivals. */
  private readonly gone = new Set<string>();
  private watcher: FSWatcher | { close(): Promise<void> } | null = null;
  handler: Handler = () => undefined;

  constructor(
    private readonly inbox: string,
    private readonly outbox: string,
    private readonly tmp: string,
  ) {}

  start(kind: WatcherKind): Promise<void> {
    if (kind === 'fs.watch') {
      this.watcher = watch(this.inbox, (_event, name) => {
        if (name) this.arrived(name);
      });
      return Promise.resolve();
    }
    // The very watcher the server's inbox reader uses.
    const w = watchDirectory(this.inbox, (name) => this.arrived(name));
    this.watcher = w;
    return w.ready;
  }

  send(seq: number, body: Buffer): void {
    const name = `${String(this.seqName++).padStart(10, '0')}`;
    const tmp = path.join(this.tmp, name);
    writeFileSync(tmp, stamp(body, seq, nowMs()));
    renameSync(tmp, path.join(this.outbox, name));
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }

  private arrived(name: string): void {
    if (this.gone.delete(name)) return;
    const file = path.join(this.inbox, name);
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return; // a second event for a file already taken
    }
    unlinkSync(file);
    this.gone.add(name);
    const at = nowMs();
    const s = readStamp(body);
    if (s) this.handler(s.seq, s.sentAt, at, body);
  }
}

let end: IpcEnd | null = null;
let warmup = 0;
/** Hop times this end measured while echoing. */
let echoHops: number[] = [];

function reply(msg: FromIpcPeer): void {
  process.send!(msg);
}

function handle(msg: ToIpcPeer): void {
  switch (msg.cmd) {
    case 'init': {
      warmup = msg.warmup;
      end = new IpcEnd(msg.inbox, msg.outbox, msg.tmp);
      // By default an end echoes what it gets, timing the hop.
      const hopMs: number[] = [];
      end.handler = (seq, sentAt, at, body) => {
        if (seq >= warmup) hopMs.push(at - sentAt);
        end!.send(seq, body);
      };
      echoHops = hopMs;
      void end.start(msg.watcher).then(() => reply({ ev: 'ready' }));
      break;
    }
    case 'hops':
      reply({ ev: 'hops', hopMs: echoHops });
      break;
    case 'pingpong': {
      const e = end!;
      const body = Buffer.alloc(Math.max(HEADER_BYTES, msg.size), 0x5a);
      const roundTripMs: number[] = [];
      const hopMs: number[] = [];
      const total = warmup + msg.rounds;
      let startedAt = nowMs();
      e.handler = (seq, sentAt, at) => {
        if (seq >= warmup) {
          roundTripMs.push(at - startedAt);
          hopMs.push(at - sentAt);
        }
        if (seq + 1 >= total) {
          reply({ ev: 'pingpong', roundTripMs, hopMs });
          return;
        }
        startedAt = nowMs();
        e.send(seq + 1, body);
      };
      startedAt = nowMs();
      e.send(0, body);
      break;
    }
    case 'sink': {
      let count = 0;
      end!.handler = (_seq, _sentAt, at) => {
        if (++count === msg.messages) reply({ ev: 'sunk', lastAt: at });
      };
      reply({ ev: 'sinking' });
      break;
    }
    case 'stream': {
      const e = end!;
      const body = Buffer.alloc(Math.max(HEADER_BYTES, msg.size), 0x5a);
      const startAt = nowMs();
      for (let i = 0; i < msg.messages; i++) e.send(i, body);
      reply({ ev: 'streamed', startAt, endAt: nowMs() });
      break;
    }
    case 'exit':
      void (end?.close() ?? Promise.resolve()).then(() => process.exit(0));
      break;
  }
}

process.on('message', (msg: ToIpcPeer) => {
  try {
    handle(msg);
  } catch (error) {
    reply({ ev: 'error', message: (error as Error).message });
  }
});
process.on('disconnect', () => process.exit(1));
