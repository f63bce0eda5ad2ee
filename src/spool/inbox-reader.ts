/**
 * The receiving half of the file IPC: a chokidar watcher on one inbox (see
 * inbox-watch.ts) and an ordered drain. Watcher events are only wake-ups; each
 * drain pass lists the inbox, sorts the message names (which sort in send order
 * per sender), and hands every file to the sink before deleting it. A pass stops when the sink is full (the
 * client reads slowly) and resumes when the sink says so, leaving the rest queued
 * on disk, where the inbox bound applies. Work per pass is capped so that a deep
 * inbox never starves the reading of the client's own frames.
 */
import { existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { sizeOf } from './fs-safe';
import { watchInbox, watcherReady } from './inbox-watch';
import { EVICTED_MARK, FULL_MARK, isMessageName } from './layout';

export interface InboxSink {
  /** Hands one message to the client; false when no more should be handed now. */
  deliver(message: Buffer): boolean;
  /** Another session took this identity over; this inbox receives nothing more. */
  evicted(): void;
  /** The inbox vanished or could not be read. */
  failed(error: Error): void;
}

export interface InboxLimits {
  /** Queued files at which the inbox is marked full (senders then drop). */
  maxFiles: number;
  /** Queued bytes at which the inbox is marked full. */
  maxBytes: number;
}

const PASS_FILES = 256;
const PASS_BYTES = 8 * 1024 * 1024;

export class InboxReader {
  private watcher: FSWatcher | null = null;
  private enabled = false;
  private stopped = false;
  private paused = false;
  private draining = false;
  private scheduled = false;
  private full = false;
  /** When the inbox was last marked full (ms since the epoch), or null while it is not. */
  fullSince: number | null = null;
  /** Files and bytes queued on disk as last seen (refreshed by each pass and by events). */
  private queuedFiles = 0;
  private queuedBytes = 0;
  private readonly sizes = new Map<string, number>();
  /** Files this reader deleted whose deletion notice has not come back yet. */
  private readonly removed = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly sink: InboxSink,
    private readonly limits: InboxLimits,
  ) {}

  /** Starts watching; resolves once the watcher is ready. Delivers nothing before `enable`. */
  start(): Promise<void> {
    const watcher = watchInbox(this.dir, (name) => this.onRaw(name));
    this.watcher = watcher;
    watcher.on('unlinkDir', (dir) => {
      if (dir === this.dir) this.fail(new Error('inbox directory removed'));
    });
    watcher.on('error', (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
    return watcherReady(watcher);
  }

  /** Begins delivering (the client is in the gateway now) and drains what is queued. */
  enable(): void {
    this.enabled = true;
    this.drain();
  }

  /** The sink has room again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.schedule();
  }

  /** Stops at once: nothing more is delivered after this returns. */
  stop(): Promise<void> {
    this.stopped = true;
    this.enabled = false;
    const watcher = this.watcher;
    this.watcher = null;
    return watcher ? watcher.close() : Promise.resolve();
  }

  get queued(): { files: number; bytes: number } {
    return { files: this.queuedFiles, bytes: this.queuedBytes };
  }

  private onRaw(name: string): void {
    if (this.stopped) return;
    // Our own deletions notify too; they need no pass.
    if (this.removed.delete(name)) return;
    if (name === EVICTED_MARK) {
      if (existsSync(path.join(this.dir, EVICTED_MARK))) this.evict();
      return;
    }
    if (!isMessageName(name)) return;
    if (this.enabled && !this.paused) {
      this.drain();
      return;
    }
    // Not draining now: count the arrival at once, so that the bound holds tightly.
    const size = sizeOf(path.join(this.dir, name));
    if (size !== null) this.noteArrival(name, size);
  }

  private evict(): void {
    this.stopped = true;
    this.sink.evicted();
  }

  /** Counts a message that arrived while no pass runs (it stays queued on disk). */
  private noteArrival(name: string, size: number): void {
    const known = this.sizes.get(name);
    if (known === undefined) {
      this.sizes.set(name, size);
      this.queuedFiles++;
      this.queuedBytes += size;
    } else if (known === 0 && size > 0) {
      // First seen by a listing, which does not stat.
      this.sizes.set(name, size);
      this.queuedBytes += size;
    }
    if (this.paused || !this.enabled) {
      this.updateFullMark();
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    if (!this.enabled || this.stopped || this.paused || this.draining) return;
    this.draining = true;
    try {
      this.pass();
    } finally {
      this.draining = false;
    }
  }

  private pass(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (names.includes(EVICTED_MARK)) {
      this.evict();
      return;
    }
    const messages = names.filter(isMessageName).sort();
    this.resync(messages);
    let files = 0;
    let bytes = 0;
    for (const name of messages) {
      if (this.stopped || this.paused) break;
      if (files >= PASS_FILES || bytes >= PASS_BYTES) {
        // Yield to the event loop; the rest follows in the next pass.
        this.schedule();
        break;
      }
      const file = path.join(this.dir, name);
      let data: Buffer;
      try {
        data = readFileSync(file);
        unlinkSync(file);
        this.removed.add(name);
      } catch {
        // Removed under us (the inbox is going away): nothing to deliver.
        this.forget(name);
        continue;
      }
      this.forget(name);
      files++;
      bytes += data.length;
      if (!this.sink.deliver(data)) this.paused = true;
    }
    this.updateFullMark();
  }

  /** Makes the queue figures match a fresh listing. */
  private resync(messages: string[]): void {
    const present = new Set(messages);
    // Deletion notices are consumed as they come; anything older is stale.
    if (this.removed.size > 4 * PASS_FILES) this.removed.clear();
    for (const name of this.sizes.keys()) if (!present.has(name)) this.forget(name);
    for (const name of messages) {
      if (!this.sizes.has(name)) {
        this.sizes.set(name, 0);
        this.queuedFiles++;
      }
    }
  }

  private forget(name: string): void {
    const size = this.sizes.get(name);
    if (size === undefined) return;
    this.sizes.delete(name);
    this.queuedFiles--;
    this.queuedBytes -= size;
  }

  private updateFullMark(): void {
    const over = this.queuedFiles >= this.limits.maxFiles || this.queuedBytes >= this.limits.maxBytes;
    // Clear only below half the bound, so that the mark does not flap at the edge.
    const under = this.queuedFiles < this.limits.maxFiles / 2 && this.queuedBytes < this.limits.maxBytes / 2;
    const mark = path.join(this.dir, FULL_MARK);
    try {
      if (over && !this.full) {
        writeFileSync(mark, '');
        this.full = true;
        this.fullSince = Date.now();
      } else if (under && this.full) {
        rmSync(mark, { force: true });
        this.full = false;
        this.fullSince = null;
      }
    } catch {
      // The inbox is going away; nothing to mark.
    }
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sink.failed(error);
  }
}
