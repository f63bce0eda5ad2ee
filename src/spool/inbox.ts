/**
 * The receiving half of the file IPC: a watch on one inbox (watch.ts) and an
 * ordered drain. Each notification names the file that arrived; those names
 * queue up in arrival order and a pass reads, hands over and deletes them,
 * without listing the directory: with many senders a listing per arrival made
 * every delivery cost as much as the whole queue. The inbox is listed (and its
 * names sorted, which is send order per sender) when delivery starts, when it
 * resumes after a pause, and at most once a second while messages flow, so that
 * nothing a lost notification left behind waits long. A pass stops when the sink
 * is full (the client reads slowly) and resumes when the sink says so, leaving
 * the rest queued on disk, where the inbox bound (inbox-bound.ts) applies. Work
 * per pass is capped so that a deep inbox never starves the reading of the
 * client's own frames.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type Unsubscribe, processTicker } from '../clock/ticker';
import { isBatchName, decodeBatch } from './batch';
import { BlankFiller } from './blanks';
import { InboxBound, type InboxLimits } from './inbox-bound';
import { type ForeignKind, MessageFileReader } from './inbox-file';
import { EVICTED_MARK, isMessageEntry } from './layout';
import { type DirectoryWatch, type WatchOptions, watchDirectory } from './watch';

export type { InboxLimits } from './inbox-bound';
export type { ForeignKind } from './inbox-file';

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
  /** An entry that is not a message (docs/SPOOL.md §8.1) was removed, once per entry. */
  foreign?(name: string, kind: ForeignKind): void;
  /**
   * A file was removed undelivered: over the protocol's largest message (unread),
   * a batch file that does not decode (docs/SPOOL.md §7.6), or one that arrived
   * while the queue was already at its bound (§7.5; `size` in messages' bytes).
   */
  dropped?(reason: 'too-large' | 'bad-batch' | 'inbox-full', name: string, size: number, messages?: number): void;
  /** A name vanished before it was read (for a debug log). */
  vanished?(name: string): void;
}

const PASS_FILES = 256;
const PASS_BYTES = 8 * 1024 * 1024;
/** While messages flow, the inbox is listed at least this often (ms). */
const LIST_EVERY_MS = 1000;
/** Delivered names remembered to recognise their late notifications (two generations). */
const RECENT_NAMES = 4096;

export class InboxReader {
  private watch: DirectoryWatch | null = null;
  private enabled = false;
  private stopped = false;
  private paused = false;
  private draining = false;
  private scheduled = false;
  /** Files and bytes queued on disk as last seen (refreshed by each listing and by events). */
  private readonly bound: InboxBound;
  /** Names to deliver next, in order: a sorted listing, then arrivals as notified. */
  private pending: string[] = [];
  private pendingHead = 0;
  private readonly pendingSet = new Set<string>();
  /** The next pass lists the inbox instead of trusting the notifications alone. */
  private listNeeded = true;
  private lastListAt = 0;
  /** The periodic listing that recovers what lost notifications left (listEvery). */
  private listTimer: Unsubscribe | null = null;
  /**
   * Names this reader delivered (and deleted). A file's arrival notice may come after
   * a listing already delivered it, and its deletion notice always comes after.
   */
  private recent = new Set<string>();
  private older = new Set<string>();
  private readonly prefix: string;
  private readonly files = new MessageFileReader();
  /** Where files read go to be reused (blanks.ts), or null when they are deleted. */
  private readonly blanks: BlankFiller | null;

  constructor(
    readonly dir: string,
    private readonly sink: InboxSink,
    limits: InboxLimits,
    private readonly watchOptions: WatchOptions = {},
    reuseFiles = false,
  ) {
    this.prefix = `${dir}/`;
    this.bound = new InboxBound(dir, limits);
    this.blanks = reuseFiles ? new BlankFiller(dir) : null;
  }

  /** Starts watching; resolves once the watcher is ready. Delivers nothing before `enable`. */
  start(): Promise<void> {
    this.watch = watchDirectory(
      this.dir,
      (name) => this.onRaw(name),
      (error) => this.fail(error),
      this.watchOptions,
    );
    return this.watch.ready;
  }

  /** Begins delivering (the client is in the gateway now) and drains what is queued. */
  enable(): void {
    this.enabled = true;
    this.listNeeded = true;
    this.listEvery();
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
    this.listTimer?.();
    this.listTimer = null;
    this.enabled = false;
    const watch = this.watch;
    this.watch = null;
    return watch ? watch.close() : Promise.resolve();
  }

  get queued(): { files: number; bytes: number } {
    return this.bound.queued;
  }

  /** When the inbox was last marked full (ms since the epoch), or null while it is not. */
  get fullSince(): number | null {
    return this.bound.fullSince;
  }

  private onRaw(name: string): void {
    if (this.stopped) return;
    if (name === EVICTED_MARK) {
      if (existsSync(path.join(this.dir, EVICTED_MARK))) this.evict();
      return;
    }
    if (!isMessageEntry(name)) return;
    // Our own deletions notify too, and so do arrivals a listing already delivered.
    if (this.recent.has(name) || this.older.has(name) || this.pendingSet.has(name)) return;
    // A file that a writer renamed in after the queue reached its bound (it checked
    // the full mark before the mark was there) is removed unread: the queue then
    // ends within one file of its bound, however many writers raced the mark.
    const overflow = this.bound.admit(name);
    if (overflow !== null) {
      this.sink.dropped?.('inbox-full', name, overflow.bytes, overflow.messages);
      return;
    }
    if (this.enabled && !this.paused) {
      this.enqueue(name);
      this.schedule();
      return;
    }
    // Not draining now: counted at once, so that the bound holds tightly. Delivery
    // starts (or resumes) with a listing, which will find the file.
    this.bound.update();
  }

  private evict(): void {
    this.stopped = true;
    this.sink.evicted();
  }

  private enqueue(name: string): void {
    this.pending.push(name);
    this.pendingSet.add(name);
    this.bound.count(name);
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
    // Batching pays only for two or more: a lone message goes out with a plain write.
    const batch = this.pending.length - this.pendingHead > 1 || isBatchName(this.pending[this.pendingHead]!);
    if (batch) this.sink.batchStart?.();
    try {
      this.deliverPending();
    } finally {
      if (batch) this.sink.batchEnd?.();
    }
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    }
    // A pause leaves names queued; delivery resumes with a listing, which finds them again.
    if (this.paused) this.clearPending();
    this.bound.update();
  }

  /** Reads, hands over and deletes queued files up to the pass's cap; how many went. */
  private deliverPending(): number {
    let files = 0;
    let bytes = 0;
    while (this.pendingHead < this.pending.length) {
      if (this.stopped || this.paused) break;
      if (files >= PASS_FILES || bytes >= PASS_BYTES) {
        // Yield to the event loop; the rest follows in the next pass.
        this.schedule();
        break;
      }
      const name = this.pending[this.pendingHead++];
      this.pendingSet.delete(name);
      const entry = this.files.take(this.prefix + name, this.blanks?.next());
      if (entry.kind === 'message' && entry.reused) this.blanks?.filled();
      this.bound.forget(name);
      if (entry.kind !== 'vanished') this.remember(name);
      if (entry.kind !== 'message') {
        this.report(name, entry);
        continue;
      }
      bytes += entry.data.length;
      files += isBatchName(name) ? this.deliverBatch(name, entry.data) : this.deliverOne(entry.data);
    }
    return files;
  }

  private deliverOne(message: Buffer): number {
    if (!this.sink.deliver(message)) this.paused = true;
    return 1;
  }

  /** A batch file's messages, all of them (the file is gone): a full sink only pauses what follows. */
  private deliverBatch(name: string, data: Buffer): number {
    const decoded = decodeBatch(data);
    if (!('messages' in decoded)) {
      this.sink.dropped?.('bad-batch', name, data.length);
      return 0;
    }
    for (const message of decoded.messages) this.deliverOne(message);
    return decoded.messages.length;
  }

  /** Tells the sink what became of an entry that was not delivered. */
  private report(name: string, entry: ReturnType<MessageFileReader['take']>): void {
    if (entry.kind === 'foreign') this.sink.foreign?.(name, entry.foreign);
    else if (entry.kind === 'too-large') this.sink.dropped?.('too-large', name, entry.size);
    else if (entry.kind === 'vanished') this.sink.vanished?.(name);
  }

  /**
   * While delivery is enabled the inbox is listed at least every LIST_EVERY_MS,
   * idle or not: a file whose notification was lost (the kernel's queue overflowed)
   * waits that long at most. A listing of an empty inbox is one small readdir, on
   * the process ticker's wake-up (clock/ticker.ts), not one of its own.
   */
  private listEvery(): void {
    if (this.listTimer) return;
    this.listTimer = processTicker.every(LIST_EVERY_MS, () => {
      // Half a period: a pass that listed just before this tick still leaves the next one to list.
      if (this.stopped || this.paused || Date.now() - this.lastListAt < LIST_EVERY_MS / 2) return;
      this.listNeeded = true;
      this.schedule();
    });
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
    const messages = names.filter((n) => isMessageEntry(n) && !this.recent.has(n) && !this.older.has(n)).sort();
    this.bound.resync(messages);
    this.clearPending();
    for (const name of messages) this.enqueue(name);
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

  private fail(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sink.failed(error);
  }
}
