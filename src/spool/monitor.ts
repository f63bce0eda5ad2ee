/**
 * Following a spool from the outside (`tfgw spool watch`): identities joining and
 * leaving (their links at the root appearing, moving and going) and messages queued
 * and delivered (files appearing in and leaving an inbox), from the spool alone.
 * The root and each linked inbox are watched with watch.ts; a notification names
 * an entry, and what it now is decides the event. A message a reader takes within
 * a millisecond of its arrival is seen only as a name already gone: it is reported
 * queued and delivered at once. Notifications can be lost and, when the kernel
 * gives no watch, polling reports arrivals only, so the spool is also listed every
 * `resyncMs` and compared with what was seen: nothing is missed for longer than that.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { listDir } from './fs-safe';
import { type SpoolLayout, isMessageEntry } from './layout';
import { describeWriter, parseMessageName } from './message-name';
import { readOwnerRecord } from './owner-record';
import { type DirectoryWatch, type WatchOptions, watchDirectory } from './watch';

export interface IdentityEvent {
  /** `present`: in the gateway when the monitor started. */
  event: 'present' | 'join' | 'leave';
  name: string;
  identity: string | null;
  pid: number | null;
  claim: string;
}

export interface MessageEvent {
  event: 'queued' | 'delivered';
  name: string;
  file: string;
  /** Null when the file was gone before it could be looked at. */
  size: number | null;
  writer: string;
}

export type SpoolEvent = IdentityEvent | MessageEvent;

export interface MonitorOptions {
  /** How often the whole spool is listed to catch what notifications missed (ms); default 1000. */
  resyncMs?: number;
  watch?: WatchOptions;
}

/** Names of delivered files remembered, so that a late notification is not a new message. */
const GONE_NAMES = 4096;

interface Tracked {
  name: string;
  claim: string;
  identity: string | null;
  pid: number | null;
  dir: string;
  watch: DirectoryWatch | null;
  /** The join was reported: from then on its messages are. */
  announced: boolean;
  closed: boolean;
  /** Queued files as seen, with their sizes. */
  files: Map<string, number>;
  gone: Set<string>;
}

export class SpoolMonitor {
  private readonly tracked = new Map<string, Tracked>();
  private rootWatch: DirectoryWatch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private starting = true;
  private readonly resyncMs: number;

  constructor(
    private readonly layout: SpoolLayout,
    private readonly onEvent: (event: SpoolEvent) => void,
    private readonly options: MonitorOptions = {},
  ) {
    this.resyncMs = options.resyncMs ?? 1000;
  }

  /** Reports who is in the gateway and what is queued now, then follows changes; resolves once watching. */
  async start(): Promise<void> {
    this.rootWatch = watchDirectory(this.layout.root, (entry) => this.refresh(entry), () => undefined, this.options.watch);
    await this.rootWatch.ready;
    await Promise.all(this.identityNames().map((name) => this.refresh(name)));
    this.starting = false;
    this.timer = setInterval(() => this.resync(), this.resyncMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const watches = [this.rootWatch, ...[...this.tracked.values()].map((t) => t.watch)];
    for (const t of this.tracked.values()) t.closed = true;
    this.tracked.clear();
    await Promise.all(watches.map((w) => w?.close()));
  }

  private identityNames(): string[] {
    return listDir(this.layout.root).filter((n) => !n.startsWith('.'));
  }

  /** Compares the spool with what was seen, for notifications lost or never given. */
  private resync(): void {
    if (this.closed) return;
    const names = new Set(this.identityNames());
    for (const name of this.tracked.keys()) names.add(name);
    for (const name of names) void this.refresh(name);
    for (const t of this.tracked.values()) {
      if (!t.announced) continue;
      const present = new Set(listDir(t.dir).filter(isMessageEntry));
      for (const file of present) this.onInboxEntry(t, file);
      for (const file of t.files.keys()) if (!present.has(file)) this.onInboxEntry(t, file);
    }
  }

  /** The identity link `name` changed, or may have: join, leave, or both (a takeover). */
  private async refresh(name: string): Promise<void> {
    if (this.closed || name.startsWith('.')) return;
    const claim = this.claimOf(name);
    const known = this.tracked.get(name);
    if (known && known.claim === claim) return;
    if (known) this.leave(known);
    if (claim !== null) await this.join(name, claim);
  }

  /** The claim the link points to, when it is a link to an inbox that exists. */
  private claimOf(name: string): string | null {
    try {
      const claim = this.layout.claimOfTarget(readlinkSync(this.layout.link(name)));
      return claim !== null && lstatSync(this.layout.inbox(claim)).isDirectory() ? claim : null;
    } catch {
      return null;
    }
  }

  private async join(name: string, claim: string): Promise<void> {
    const dir = this.layout.inbox(claim);
    const owner = readOwnerRecord(dir);
    const t: Tracked = {
      name,
      claim,
      identity: owner?.identity ?? null,
      pid: owner?.pid ?? null,
      dir,
      watch: null,
      announced: false,
      closed: false,
      files: new Map(),
      gone: new Set(),
    };
    this.tracked.set(name, t);
    t.watch = watchDirectory(
      dir,
      (file) => this.onInboxEntry(t, file),
      () => void this.refresh(name),
      this.options.watch,
    );
    try {
      await t.watch.ready;
    } catch {
      // No watch to be had (mode native): the periodic listing follows this inbox.
    }
    if (t.closed || this.closed) return;
    t.announced = true;
    this.onEvent({ event: this.starting ? 'present' : 'join', name, identity: t.identity, pid: t.pid, claim });
    // What arrived before the watch was in place.
    for (const file of listDir(dir).filter(isMessageEntry).sort()) this.onInboxEntry(t, file);
  }

  private leave(t: Tracked): void {
    t.closed = true;
    this.tracked.delete(t.name);
    void t.watch?.close();
    if (t.announced) this.onEvent({ event: 'leave', name: t.name, identity: t.identity, pid: t.pid, claim: t.claim });
  }

  /** An inbox entry was named by a notification or a listing: queued, delivered, or both. */
  private onInboxEntry(t: Tracked, file: string): void {
    if (t.closed || !t.announced || !isMessageEntry(file)) return;
    const size = sizeOf(path.join(t.dir, file));
    if (size !== null) {
      if (t.files.has(file) || t.gone.has(file)) return;
      t.files.set(file, size);
      this.message(t, 'queued', file, size);
      return;
    }
    const seen = t.files.get(file);
    if (seen !== undefined) {
      t.files.delete(file);
      this.forget(t, file);
      this.message(t, 'delivered', file, seen);
      return;
    }
    if (t.gone.has(file)) return;
    // Taken before it could be looked at.
    this.forget(t, file);
    this.message(t, 'queued', file, null);
    this.message(t, 'delivered', file, null);
  }

  private forget(t: Tracked, file: string): void {
    if (t.gone.size >= GONE_NAMES) t.gone.clear();
    t.gone.add(file);
  }

  private message(t: Tracked, event: MessageEvent['event'], file: string, size: number | null): void {
    this.onEvent({ event, name: t.name, file, size, writer: describeWriter(parseMessageName(file)) });
  }
}

/** The entry's own size (a link or directory is not followed); null when it is gone. */
function sizeOf(file: string): number | null {
  try {
    return lstatSync(file).size;
  } catch {
    return null;
  }
}
