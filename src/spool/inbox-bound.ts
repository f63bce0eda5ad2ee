/**
 * The inbox bound: how many messages and bytes wait in one inbox, as its reader
 * last saw them, and the full mark that tells senders to drop while either
 * figure is at its limit. The reader keeps the figures current from its
 * listings, from the notifications that name arrivals and from its own
 * deliveries; the mark is written when the queue reaches the bound and removed
 * only below half of it, so that it does not flap at the edge.
 */
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isBatchName } from './batch';
import { peekBatch } from './batch-file';
import { sizeOf } from './fs-safe';
import { FULL_MARK } from './layout';

export interface InboxLimits {
  /** Queued messages at which the inbox is marked full (senders then drop); a batch file counts its messages. */
  maxFiles: number;
  /** Queued bytes at which the inbox is marked full. */
  maxBytes: number;
}

export class InboxBound {
  private full = false;
  /** When the inbox was last marked full (ms since the epoch), or null while it is not. */
  fullSince: number | null = null;
  /** Queued messages (a batch file counts the messages in it). */
  private files = 0;
  private bytes = 0;
  /**
   * Size of each queued message, taken with one stat when the reader first sees its
   * name (from a notification or a listing), so every queued byte counts: senders
   * check the mark before they write, and the bound overshoots by at most the
   * messages in flight past that check, one file per sender (a batch file holds at most
   * MAX_BATCH_MESSAGES; docs/SPOOL.md §7.5, §7.6).
   */
  private readonly sizes = new Map<string, number>();
  /** Messages in each queued batch file (docs/SPOOL.md §7.6); any other file is one. */
  private readonly batches = new Map<string, number>();
  private readonly mark: string;
  private readonly prefix: string;

  constructor(
    dir: string,
    private readonly limits: InboxLimits,
  ) {
    this.mark = path.join(dir, FULL_MARK);
    this.prefix = `${dir}/`;
  }

  get queued(): { files: number; bytes: number } {
    return { files: this.files, bytes: this.bytes };
  }

  /** Counts a file once, at its size on disk (0 when it is already gone) and the messages it holds. */
  count(name: string): void {
    if (this.sizes.has(name)) return;
    if (isBatchName(name)) {
      const entry = peekBatch(this.prefix + name);
      this.sizes.set(name, entry?.bytes ?? 0);
      this.batches.set(name, entry?.messages ?? 1);
      this.files += entry?.messages ?? 1;
      this.bytes += entry?.bytes ?? 0;
      return;
    }
    const size = sizeOf(this.prefix + name) ?? 0;
    this.sizes.set(name, size);
    this.files++;
    this.bytes += size;
  }

  /**
   * Counts a message the reader was notified of, or, when the queue was already at
   * its bound, removes it unread and returns its size and the messages it held
   * (null when it was counted).
   */
  admit(name: string): { bytes: number; messages: number } | null {
    if (!this.sizes.has(name) && this.atBound()) {
      const file = this.prefix + name;
      const messages = isBatchName(name) ? (peekBatch(file)?.messages ?? 1) : 1;
      const size = sizeOf(file);
      if (size !== null && removeFile(file)) return { bytes: size, messages };
    }
    this.count(name);
    return null;
  }

  private atBound(): boolean {
    return this.files >= this.limits.maxFiles || this.bytes >= this.limits.maxBytes;
  }

  /** The message left the queue (delivered, or gone from the inbox). */
  forget(name: string): void {
    const size = this.sizes.get(name);
    if (size === undefined) return;
    this.sizes.delete(name);
    const batch = this.batches.get(name);
    if (batch !== undefined) this.batches.delete(name);
    this.files -= batch ?? 1;
    this.bytes -= size;
  }

  /** Makes the figures match a fresh listing of the inbox's messages. */
  resync(messages: string[]): void {
    const present = new Set(messages);
    for (const name of this.sizes.keys()) if (!present.has(name)) this.forget(name);
    for (const name of messages) this.count(name);
  }

  /** Writes or removes the full mark as the figures now require. */
  update(): void {
    const { maxFiles, maxBytes } = this.limits;
    const over = this.atBound();
    const under = this.files < maxFiles / 2 && this.bytes < maxBytes / 2;
    const set = over && !this.full;
    const clear = under && this.full;
    if (!set && !clear) return;
    try {
      if (set) {
        writeFileSync(this.mark, '');
        this.full = true;
        this.fullSince = Date.now();
      } else {
        rmSync(this.mark, { force: true });
        this.full = false;
        this.fullSince = null;
      }
    } catch {
      // The inbox is going away; nothing to mark.
    }
  }
}

/** Unlinks a file (never a directory: a foreign one is the listing's to handle). */
function removeFile(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}
