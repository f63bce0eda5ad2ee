/**
 * The sending half of the file IPC: a message becomes a file in the destination's
 * inbox, written under the spool's `.tmp/<pid>/` and renamed into place, so that a
 * reader only ever sees whole files. The rename goes through the identity's link
 * (`<spool>/<name>/<file>`), so the kernel resolves the link and moves the file in
 * one step: no separate lookup that a takeover could make stale, and a missing link
 * is simply "no such peer". Everything is synchronous: a session process serves a
 * single connection, the calls are short, and doing them in order is what keeps
 * each sender's messages in order. Several messages for one destination may go as
 * one batch file (batch.ts), which costs the spool what one message costs.
 * Where the native helper is built, a send whose peer is there and not full is
 * one call into it (native/spool_files.c) that makes the same checks and calls;
 * whatever else it meets, it leaves to the path written out here.
 */
import { closeSync, mkdirSync, openSync, opendirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { SEND_QUEUED_REUSED, SEND_SLOW, SEND_WRITE_FAILED_BASE, type SpoolFileCalls, spoolFileCalls } from '../native';
import { BATCH_SUFFIX, encodeBatch } from './batch';
import { BlankTaker } from './blanks';
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
  /** The file name the last send chose (what a listing of the inbox shows). */
  lastName = '';
  /** Where batch files are encoded, grown to the largest one (at most MAX_BATCH_BYTES). */
  private batchScratch: Buffer | null = null;
  /** Which handed-back file to write into next, per destination (blanks.ts); null: always a new file. */
  private blanks: BlankTaker | null | undefined;

  /**
   * `calls`: the native file calls, or null for the JavaScript path alone.
   * `reuseFiles`: asked once, at the first send (file-reuse.ts says when it pays).
   */
  constructor(
    private readonly layout: SpoolLayout,
    private readonly pid: number = process.pid,
    private readonly calls: SpoolFileCalls | null = spoolFileCalls(),
    private readonly reuseFiles: () => boolean = () => false,
  ) {}

  /**
   * Queues `message` for the session that holds `destination` right now; a list
   * (of at most MAX_BATCH_MESSAGES, within MAX_BATCH_BYTES encoded) goes as one batch file.
   */
  send(destination: Uint8Array, message: Uint8Array | readonly Uint8Array[]): SendOutcome {
    const link = this.linkOf(destination);
    if (this.calls !== null) {
      const outcome = this.sendInOneCall(this.calls, link, message);
      if (outcome !== null) return outcome;
    }
    // No link, no peer: said before a byte of the message is written anywhere. A missing
    // link may be a network file system's cached answer: look once more after opening the root.
    if (!isDirectory(link) && !(revalidate(this.layout.root) && isDirectory(link))) return 'no-peer';
    // Through the link: there when the peer is in the gateway and its inbox is full.
    if (sizeOf(`${link}/${FULL_MARK}`) !== null && isFullAfterRevalidating(link)) return 'inbox-full';

    const file = this.nextName(message);
    let tmp = '';
    try {
      // Making the temporary directory can fail too (a file in its place): a failed send.
      tmp = this.tmpPath(file);
      this.writeTemporary(tmp, message instanceof Uint8Array ? message : this.encode(message));
    } catch (err) {
      this.lastError = String(err);
      if (tmp !== '') discard(tmp);
      return 'failed';
    }
    return this.moveIn(tmp, link, file, () => renameSync(tmp, `${link}/${file}`));
  }

  /**
   * The common case in one native call: null when the call left it to the path
   * in `send` (no directory behind the link, a full mark, no staging directory),
   * having written nothing.
   */
  private sendInOneCall(calls: SpoolFileCalls, link: string, message: Uint8Array | readonly Uint8Array[]): SendOutcome | null {
    // The first send makes the staging directory, after it has seen the link.
    if (!this.tmpReady) return null;
    const file = this.nextName(message);
    const tmp = this.tmpPrefix + file;
    const bytes = message instanceof Uint8Array ? message : this.encode(message);
    this.blanks ??= this.reuseFiles() ? new BlankTaker(LINK_CACHE) : null;
    const blank = this.blanks?.next(link);
    const destination = `${link}/${file}`;
    const code =
      blank === undefined
        ? calls.sendMessage(link, `${link}/${FULL_MARK}`, tmp, bytes, destination)
        : calls.sendMessage(link, `${link}/${FULL_MARK}`, tmp, bytes, destination, blank);
    if (code === 0) return 'queued';
    if (code === SEND_QUEUED_REUSED) {
      this.blanks?.took(link);
      return 'queued';
    }
    if (code === SEND_SLOW) return null;
    if (code > SEND_WRITE_FAILED_BASE) {
      this.lastError = `writing ${tmp}: ${getSystemErrorName(-(code - SEND_WRITE_FAILED_BASE))}`;
      return 'failed';
    }
    if (code > 0) {
      // No such answer: a helper that does not match this code. Whatever it did, nothing was renamed in.
      discard(tmp);
      this.lastError = `native send answered ${code}`;
      return 'failed';
    }
    // The rename failed: the staged file is there, as after a failed renameSync below.
    const failure = Object.assign(new Error(`rename into ${link}: ${getSystemErrorName(code)}`), { code: getSystemErrorName(code) });
    return this.moveIn(tmp, link, file, () => {
      throw failure;
    });
  }

  /** The name of the next file: send order, and the batch suffix for a list. */
  private nextName(message: Uint8Array | readonly Uint8Array[]): string {
    const ms = Math.max(this.lastMs, Date.now());
    this.lastMs = ms;
    const file = messageName(ms, this.layout.node, this.pid, ++this.seq) + (message instanceof Uint8Array ? '' : BATCH_SUFFIX);
    this.lastName = file;
    return file;
  }

  /** The rename (`first`), retried once through a revalidated root; a staged file left over is removed. */
  private moveIn(tmp: string, link: string, file: string, first: () => void): SendOutcome {
    try {
      this.renameIn(tmp, link, file, first);
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
  private renameIn(tmp: string, link: string, file: string, first: () => void): void {
    try {
      first();
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

  private encode(messages: readonly Uint8Array[]): Buffer {
    const encoded = encodeBatch(messages, this.batchScratch ?? undefined);
    // A longer result is a fresh buffer (the scratch was too small): keep it for next time.
    if (encoded.length > (this.batchScratch?.length ?? 0)) this.batchScratch = encoded;
    return encoded;
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

/** True when `link` leads to a directory (an identity link to a live inbox). */
function isDirectory(link: string): boolean {
  try {
    return statSync(link, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    // ENOTDIR, ELOOP and the like: nothing a message could be renamed into.
    return false;
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
