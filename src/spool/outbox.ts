/**
 * The sending half of the file IPC: a message becomes a file in the destination's
 * inbox, written under the spool's `.tmp/<pid>/` and renamed into place, so that a
 * reader only ever sees whole files. The rename goes through the identity's link
 * (`<spool>/<name>/<file>`), so the kernel resolves the link and moves the file in
 * one step: no separate lookup that a takeover could make stale, and a missing link
 * is simply "no such peer". Everything is synchronous: a session process serves a
 * single connection, the calls are short, and doing them in order is what keeps
 * each sender's messages in order.
 */
import { closeSync, mkdirSync, openSync, opendirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { identityToName } from './identity-name';
import { FULL_MARK, type SpoolLayout } from './layout';
import { messageName } from './names';
import { sizeOf } from './fs-safe';

export type SendOutcome = 'queued' | 'no-peer' | 'inbox-full' | 'failed';

/** Destinations whose link path is remembered (a sender usually talks to a few). */
const LINK_CACHE = 256;
/**
 * Only destinations up to this many bytes are cached: a destination may be 512 KiB
 * and its link name is longer still, so 256 of them would fill a session's heap.
 * The cache then holds at most about 256 × (256 + 2 × 256 + path) bytes.
 */
export const LINK_CACHE_MAX_DESTINATION = 256;

export class Outbox {
  private seq = 0;
  private lastMs = 0;
  private tmpReady = false;
  private tmpPrefix = '';
  /** Destination identity (as latin1 text) → its link path in the spool. */
  private readonly links = new Map<string, string>();
  /** The last failure's message, for logs. */
  lastError = '';

  constructor(
    private readonly layout: SpoolLayout,
    private readonly pid: number = process.pid,
  ) {}

  /** Queues `message` for the session that holds `destination` right now. */
  send(destination: Uint8Array, message: Uint8Array): SendOutcome {
    const link = this.linkOf(destination);
    // Through the link: there when the peer is in the gateway and its inbox is full.
    if (sizeOf(`${link}/${FULL_MARK}`) !== null && isFullAfterRevalidating(link)) return 'inbox-full';

    const ms = Math.max(this.lastMs, Date.now());
    this.lastMs = ms;
    const file = messageName(ms, this.layout.node, this.pid, ++this.seq);
    let tmp = '';
    try {
      // Making the temporary directory can fail too (a file in its place): a failed send.
      tmp = this.tmpPath(file);
      this.writeTemporary(tmp, message);
    } catch (err) {
      this.lastError = String(err);
      if (tmp !== '') discard(tmp);
      return 'failed';
    }
    try {
      this.renameIn(tmp, link, file);
      return 'queued';
    } catch (err) {
      discard(tmp);
      const code = (err as NodeJS.ErrnoException).code;
      // No link (the peer is not in the gateway), or its inbox went away meanwhile.
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'no-peer';
      this.lastError = String(err);
      return 'failed';
    }
  }

  /**
   * Renames the staged file in through the link. A missing link may be a network
   * file system's cached answer (another host published it moments ago): opening
   * the spool root makes the client revalidate it, and the rename is tried once more.
   */
  private renameIn(tmp: string, link: string, file: string): void {
    try {
      renameSync(tmp, `${link}/${file}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !revalidate(this.layout.root)) throw err;
      renameSync(tmp, `${link}/${file}`);
    }
  }

  /** How many destinations the link cache holds (for tests). */
  get cachedLinks(): number {
    return this.links.size;
  }

  private linkOf(destination: Uint8Array): string {
    if (destination.byteLength > LINK_CACHE_MAX_DESTINATION) return this.layout.link(identityToName(destination));
    const key = Buffer.from(destination.buffer, destination.byteOffset, destination.byteLength).toString('latin1');
    let link = this.links.get(key);
    if (link === undefined) {
      if (this.links.size >= LINK_CACHE) this.links.clear();
      link = this.layout.link(identityToName(destination));
      this.links.set(key, link);
    }
    return link;
  }

  /** Removes this process's temporary directory (at exit). */
  dispose(): void {
    if (this.tmpReady) rmSync(this.layout.tmpDir(this.pid), { recursive: true, force: true });
    this.tmpReady = false;
  }

  private writeTemporary(tmp: string, message: Uint8Array): void {
    let fd: number;
    try {
      fd = openSync(tmp, 'w', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Someone removed our temporary directory (a sweep, an operator): make it again once.
      this.tmpReady = false;
      fd = openSync(this.tmpPath(tmp.slice(this.tmpPrefix.length)), 'w', 0o600);
    }
    try {
      let done = 0;
      while (done < message.length) done += writeSync(fd, message, done, message.length - done);
    } finally {
      closeSync(fd);
    }
  }

  private tmpPath(file: string): string {
    if (!this.tmpReady) {
      const dir = this.layout.tmpDir(this.pid);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.tmpPrefix = `${dir}/`;
      this.tmpReady = true;
    }
    return this.tmpPrefix + file;
  }
}

/** Opens and closes a directory, which makes a network file system client revalidate it; false when it cannot. */
function revalidate(dir: string): boolean {
  try {
    opendirSync(dir).closeSync();
    return true;
  } catch {
    return false;
  }
}

/** The full mark seen through the link may be a cached answer: look again after revalidating the inbox. */
function isFullAfterRevalidating(link: string): boolean {
  return !revalidate(link) || sizeOf(`${link}/${FULL_MARK}`) !== null;
}

/** Removes a temporary file if it can; what stands in its way is the send's failure, reported already. */
function discard(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch {
    // ENOTDIR and the like: there is no file to remove.
  }
}
