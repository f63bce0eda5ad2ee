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
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { identityToName } from './identity-name';
import { FULL_MARK, type SpoolLayout, messageName } from './layout';
import { sizeOf } from './fs-safe';

export type SendOutcome = 'queued' | 'no-peer' | 'inbox-full' | 'failed';

/** Destinations whose link path is remembered (a sender usually talks to a few). */
const LINK_CACHE = 256;
/**
 * The destination's full mark is looked at again after this many messages to it or
 * this many milliseconds, whichever comes first: a stat per message was a tenth of
 * the cost of sending, and the inbox bound is a soft one (a receiver marks its inbox
 * full a wake-up late anyway).
 */
const FULL_RECHECK_MESSAGES = 8;
const FULL_RECHECK_MS = 5;

interface Destination {
  link: string;
  /** Messages sent since the full mark was last looked at. */
  sinceCheck: number;
  checkedAt: number;
}

export class MessageWriter {
  private seq = 0;
  private lastMs = 0;
  private tmpReady = false;
  private tmpPrefix = '';
  /** Destination identity (as latin1 text) → its link path in the spool. */
  private readonly destinations = new Map<string, Destination>();
  /** The last failure's message, for logs. */
  lastError = '';

  constructor(
    private readonly layout: SpoolLayout,
    private readonly pid: number = process.pid,
  ) {}

  /** Queues `message` for the session that holds `destination` right now. */
  send(destination: Uint8Array, message: Uint8Array): SendOutcome {
    const dest = this.destinationOf(destination);
    const link = dest.link;
    const now = Date.now();
    if (dest.sinceCheck >= FULL_RECHECK_MESSAGES || now - dest.checkedAt >= FULL_RECHECK_MS) {
      // Through the link: there when the peer is in the gateway and its inbox is full.
      if (sizeOf(`${link}/${FULL_MARK}`) !== null) return 'inbox-full';
      dest.sinceCheck = 0;
      dest.checkedAt = now;
    }

    const ms = Math.max(this.lastMs, now);
    this.lastMs = ms;
    const file = messageName(ms, this.pid, ++this.seq);
    const tmp = this.tmpPath(file);
    try {
      this.writeTemporary(tmp, message);
    } catch (err) {
      this.lastError = String(err);
      rmSync(tmp, { force: true });
      return 'failed';
    }
    try {
      renameSync(tmp, `${link}/${file}`);
      dest.sinceCheck++;
      return 'queued';
    } catch (err) {
      rmSync(tmp, { force: true });
      // Whoever holds the identity next starts with a look at its mark.
      dest.sinceCheck = FULL_RECHECK_MESSAGES;
      const code = (err as NodeJS.ErrnoException).code;
      // No link (the peer is not in the gateway), or its inbox went away meanwhile.
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'no-peer';
      this.lastError = String(err);
      return 'failed';
    }
  }

  private destinationOf(destination: Uint8Array): Destination {
    const key = Buffer.from(destination.buffer, destination.byteOffset, destination.byteLength).toString('latin1');
    let dest = this.destinations.get(key);
    if (dest === undefined) {
      if (this.destinations.size >= LINK_CACHE) this.destinations.clear();
      dest = { link: this.layout.link(identityToName(destination)), sinceCheck: FULL_RECHECK_MESSAGES, checkedAt: 0 };
      this.destinations.set(key, dest);
    }
    return dest;
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

