/**
 * The sending half of the file IPC: a message becomes a file in the destination's
 * inbox, written under the spool's `.tmp/<pid>/` and renamed into place, so that a
 * reader only ever sees whole files. Everything is synchronous: a session process
 * serves a single connection, the calls are short, and doing them in order is what
 * keeps each sender's messages in order.
 */
import { mkdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sizeOf } from './fs-safe';
import { identityToName } from './identity-name';
import { FULL_MARK, type SpoolLayout, messageName } from './layout';

export type SendOutcome = 'queued' | 'no-peer' | 'inbox-full' | 'failed';

export class MessageWriter {
  private seq = 0;
  private lastMs = 0;
  private tmpReady = false;
  /** The last failure's message, for logs. */
  lastError = '';

  constructor(
    private readonly layout: SpoolLayout,
    private readonly pid: number = process.pid,
  ) {}

  /** Queues `message` for the session that holds `destination` right now. */
  send(destination: Uint8Array, message: Uint8Array): SendOutcome {
    const name = identityToName(destination);
    let target: string;
    try {
      target = readlinkSync(this.layout.link(name));
    } catch {
      return 'no-peer';
    }
    const claim = this.layout.claimOfTarget(target);
    if (claim === null) {
      this.lastError = `identity link ${name} points outside the spool's inboxes`;
      return 'failed';
    }
    const inbox = this.layout.inbox(claim);
    if (sizeOf(path.join(inbox, FULL_MARK)) !== null) return 'inbox-full';

    const ms = Math.max(this.lastMs, Date.now());
    this.lastMs = ms;
    const file = messageName(ms, this.pid, ++this.seq);
    const tmp = path.join(this.tmpDir(), file);
    try {
      this.writeTemporary(tmp, message);
    } catch (err) {
      this.lastError = String(err);
      rmSync(tmp, { force: true });
      return 'failed';
    }
    try {
      renameSync(tmp, path.join(inbox, file));
      return 'queued';
    } catch (err) {
      rmSync(tmp, { force: true });
      // The inbox went away between the lookup and the rename: the peer left.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'no-peer';
      this.lastError = String(err);
      return 'failed';
    }
  }

  /** Removes this process's temporary directory (at exit). */
  dispose(): void {
    if (this.tmpReady) rmSync(this.layout.tmpDir(this.pid), { recursive: true, force: true });
    this.tmpReady = false;
  }

  private writeTemporary(tmp: string, message: Uint8Array): void {
    try {
      writeFileSync(tmp, message, { mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Someone removed our temporary directory (a sweep, an operator): make it again once.
      this.tmpReady = false;
      this.tmpDir();
      writeFileSync(tmp, message, { mode: 0o600 });
    }
  }

  private tmpDir(): string {
    const dir = this.layout.tmpDir(this.pid);
    if (!this.tmpReady) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.tmpReady = true;
    }
    return dir;
  }
}

