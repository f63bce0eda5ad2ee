/**
 * The receiving half of the file IPC: a chokidar watcher on one inbox (see
 * inbox-watch.ts) and an ordered drain. Each notification names the file that
 * arrived; those names queue up in arrival order and a pass reads, hands over and
 * deletes them, without listing the directory: with many senders a listing per
 * arrival made every delivery cost as much as the whole queue. The inbox is listed
 * (and its names sorted, which is send order per sender) when delivery starts,
 * when it resumes after a pause, and at most once a second while messages flow,
 * so that nothing a lost notification left behind waits long. A pass stops when
 * the sink is full (the client reads slowly) and resumes when the sink says so,
 * leaving the rest queued on disk, where the inbox bound applies. Work per pass is
 * capped so that a deep inbox never starves the reading of the client's own frames.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { sizeOf } from './fs-safe';
import { watchInbox, watcherReady } from './watch';
import { EVICTED_MARK, FULL_MARK, isMessageName } from './layout';

export interface InboxSink {
  /**
   * Hands one message to the client; false when no more should be handed now.
   * `message` is only valid during the call (the reader reuses its memory).
   */
  deliver(message: Buffer): boolean;
  /** A pass is about to deliver several messages (the sink may batch its writes). */
  batchStart?(): void;
  /** The pass is over. */
  batchEnd?(): void;
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
/** While messages flow, the inbox is listed at least this often (ms). */
const LIST_EVERY_MS = 1000;
/** Messages up to this size are read into one reused buffer. */
const SCRATCH_BYTES = 256 * 1024;
/** Delivered names remembered to recognise their late notifications (two generations). */
const RECENT_NAMES = 4096;

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
  /** Files and bytes queued on disk as last seen (refreshed by each listing and by events). */
  private queuedFiles = 0;
  private queuedBytes = 0;
  private readonly sizes = new Map<string, number>();
  /** Names to deliver next, in order: a sorted listing, then arrivals as notified. */
  private pending: string[] = [];
  private pendingHead = 0;
  private readonly pendingSet = new Set<string>();
  /** The next pass lists the inbox instead of trusting the notifications alone. */
  private listNeeded = true;
  private lastListAt = 0;
  /** A listing due after delivery from notifications alone, even if none come. */
  private listTimer: NodeJS.Timeout | null = null;
  /**
   * Names this reader delivered (and deleted). A file's arrival notice may come after
   * a listing already delivered it, and its deletion notice always comes after.
   */
  private recent = new Set<string>();
  private older = new Set<string>();
  private readonly prefix: string;
  private scratch: Buffer | null = null;

  constructor(
    readonly dir: string,
    private readonly sink: InboxSink,
    private readonly limits: InboxLimits,
  ) {
    this.prefix = `${dir}/`;
  }

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
    this.listNeeded = true;
    this.drain();
  }

  /** The sink has room again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.listNeeded = true;
    this.schedule();
  }

  /** Stops at once: nothing more is delivered after this returns. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.listTimer) clearTimeout(this.listTimer);
    this.listTimer = null;
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
    if (name === EVICTED_MARK) {
      if (existsSync(path.join(this.dir, EVICTED_MARK))) this.evict();
      return;
    }
    if (!isMessageName(name)) return;
    // Our own deletions notify too, and so do arrivals a listing already delivered.
    if (this.recent.has(name) || this.older.has(name) || this.pendingSet.has(name)) return;
    if (this.enabled && !this.paused) {
      this.enqueue(name, 0);
      this.schedule();
      return;
    }
    // Not draining now: count the arrival at once, so that the bound holds tightly.
    // Delivery starts (or resumes) with a listing, which will find the file.
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
    this.updateFullMark();
  }

  private enqueue(name: string, size: number): void {
    this.pending.push(name);
    this.pendingSet.add(name);
    if (!this.sizes.has(name)) {
      this.sizes.set(name, size);
      this.queuedFiles++;
      this.queuedBytes += size;
    }
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
    const now = Date.now();
    if (this.listNeeded || now - this.lastListAt >= LIST_EVERY_MS) {
      if (!this.list()) return;
      this.lastListAt = now;
      this.listNeeded = false;
    }
    if (this.pendingHead === this.pending.length) return;
    let files = 0;
    let bytes = 0;
    // Batching pays only for two or more: a lone message goes out with a plain write.
    const batch = this.pending.length - this.pendingHead > 1;
    if (batch) this.sink.batchStart?.();
    try {
      while (this.pendingHead < this.pending.length) {
        if (this.stopped || this.paused) break;
        if (files >= PASS_FILES || bytes >= PASS_BYTES) {
          // Yield to the event loop; the rest follows in the next pass.
          this.schedule();
          break;
        }
        const name = this.pending[this.pendingHead++];
        this.pendingSet.delete(name);
        const file = this.prefix + name;
        let data: Buffer;
        try {
          data = this.read(file);
          unlinkSync(file);
        } catch {
          // Removed under us (the inbox is going away): nothing to deliver.
          this.forget(name);
          continue;
        }
        this.remember(name);
        this.forget(name);
        files++;
        bytes += data.length;
        if (!this.sink.deliver(data)) this.paused = true;
      }
    } finally {
      if (batch) this.sink.batchEnd?.();
    }
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    }
    // A pause leaves names queued; delivery resumes with a listing, which finds them again.
    if (this.paused) this.clearPending();
    if (files > 0) this.listSoon();
    this.updateFullMark();
  }

  /**
   * A whole message file. Small ones are read with one call into a reused buffer
   * (a short read is the end of a regular file); bigger ones get their own.
   */
  private read(file: string): Buffer {
    const fd = openSync(file, 'r');
    try {
      this.scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
      const scratch = this.scratch;
      const got = readSync(fd, scratch, 0, scratch.length, 0);
      if (got < scratch.length) return scratch.subarray(0, got);
      const size = fstatSync(fd).size;
      const whole = Buffer.allocUnsafe(size);
      scratch.copy(whole, 0, 0, got);
      let done = got;
      while (done < size) {
        const n = readSync(fd, whole, done, size - done, done);
        if (n === 0) break;
        done += n;
      }
      return whole.subarray(0, done);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A pass that delivered something is followed by a listing within LIST_EVERY_MS,
   * even when no more notifications come: a file whose notification was lost (the
   * kernel's queue overflowed) waits that long at most. A listing that finds
   * nothing arms no further one, so an idle inbox costs nothing.
   */
  private listSoon(): void {
    if (this.listTimer) return;
    this.listTimer = setTimeout(() => {
      this.listTimer = null;
      if (this.stopped) return;
      this.listNeeded = true;
      this.schedule();
    }, LIST_EVERY_MS);
    this.listTimer.unref();
  }

  /** Replaces the queue with a sorted listing of the inbox; false when the pass must end. */
  private list(): boolean {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      this.fail(err as Error);
      return false;
    }
    if (names.includes(EVICTED_MARK)) {
      this.evict();
      return false;
    }
    const messages = names.filter((n) => isMessageName(n) && !this.recent.has(n) && !this.older.has(n)).sort();
    this.resync(messages);
    this.clearPending();
    for (const name of messages) this.enqueue(name, 0);
    return true;
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingHead = 0;
    this.pendingSet.clear();
  }

  private remember(name: string): void {
    if (this.recent.size >= RECENT_NAMES) {
      this.older = this.recent;
      this.recent = new Set();
    }
    this.recent.add(name);
  }

  /** Makes the queue figures match a fresh listing. */
  private resync(messages: string[]): void {
    const present = new Set(messages);
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
    const set = over && !this.full;
    const clear = under && this.full;
    if (!set && !clear) return;
    const mark = this.prefix + FULL_MARK;
    try {
      if (set) {
        writeFileSync(mark, '');
        this.full = true;
        this.fullSince = Date.now();
      } else {
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
