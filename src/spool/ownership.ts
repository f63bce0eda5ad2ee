/**
 * Claiming, taking over and releasing gateway identities in the spool.
 *
 * A claim is a fresh inbox directory `.inboxes/<pid>-<time>-<n>` with its owner
 * record and a proper-lockfile lock that its session keeps fresh for as long as it
 * lives. Publishing a claim points the identity's link `<spool>/<name>` at it, with
 * an atomic rename, under the identity lock. An identity held by a live session is
 * either taken over (the old inbox gets an `.evicted` mark and stops receiving) or
 * refused, by policy; one held by a dead session is cleaned and taken.
 */
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { withIdentityLock } from './identity-lock';
import { identityToName } from './identity-name';
import { listDir } from './fs-safe';
import { EVICTED_MARK, type SpoolLayout, isMessageEntry } from './layout';
import { inboxAlive, inboxLockOptions, processStartTime } from './liveness';
import { claimName, evictedBy } from './names';
import { makeOwnerRecord, readOwnerRecord, writeOwnerRecord } from './owner-record';
import type { ConflictPolicy } from '../settings/values';

export type { ConflictPolicy };

export interface OwnershipOptions {
  /** A claim whose lock has not been refreshed for this long is dead. */
  staleMs: number;
  pid?: number;
  /** The claiming process's start time, written into owner records (defaults to this process's). */
  started?: string | null;
}

/**
 * How stale the inbox lock may grow before proper-lockfile counts it compromised,
 * and so how often it is refreshed (a third of it). Liveness on this node is judged
 * by pid and start time (liveness.ts), and on other nodes by the node's heartbeat,
 * so a lock's age matters only for a holder whose start time could not be read:
 * that one refreshes every `staleMs / 3`. The others refresh once every
 * INBOX_LOCK_REFRESH_MS: each refresh wakes an idle session process several times
 * (two file calls on the thread pool and the inotify event the inbox's own watch
 * gets), and on a loaded host a long threshold also keeps a late refresh from
 * costing a live peer its identity.
 */
export const INBOX_LOCK_REFRESH_MS = 60_000;

export function inboxLockStaleMs(staleMs: number, startKnown: boolean): number {
  return startKnown ? Math.max(staleMs, 3 * INBOX_LOCK_REFRESH_MS) : staleMs;
}

export class Claim {
  constructor(
    readonly identity: Buffer,
    /** The identity's directory name (the link's name). */
    readonly name: string,
    /** The claim's own directory name under `.inboxes/`. */
    readonly claim: string,
    /** Absolute path of the inbox directory. */
    readonly dir: string,
    readonly unlock: () => Promise<void>,
  ) {}
}

export type PublishOutcome = 'published' | 'refused';

export class Ownership {
  private counter = 0;
  private readonly pid: number;
  private readonly started: string | null;

  constructor(
    private readonly layout: SpoolLayout,
    private readonly options: OwnershipOptions,
  ) {
    this.pid = options.pid ?? process.pid;
    this.started = options.started !== undefined ? options.started : processStartTime(this.pid);
  }

  /** Creates an unpublished inbox for `identity` and starts keeping its lock fresh. */
  async prepare(identity: Buffer, client: string, onLost: () => void): Promise<Claim> {
    const name = identityToName(identity);
    const claim = claimName(this.layout.node, this.pid, ++this.counter);
    const dir = this.layout.inbox(claim);
    // Recursive: the spool's .inboxes may have been removed under a running server.
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    try {
      writeOwnerRecord(dir, makeOwnerRecord(identity, name, this.pid, client, this.layout.node, this.started));
      const stale = inboxLockStaleMs(this.options.staleMs, this.started !== null);
      const unlock = await lockfile.lock(dir, {
        ...inboxLockOptions(dir, stale),
        update: Math.max(1000, Math.floor(stale / 3)),
        onCompromised: onLost,
      });
      return new Claim(identity, name, claim, dir, unlock);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Points the identity at `claim`, taking it over or refusing by `policy`. */
  async publish(claim: Claim, policy: ConflictPolicy): Promise<PublishOutcome> {
    return withIdentityLock(this.layout, claim.name, async () => {
      const current = this.currentClaim(claim.name);
      if (current !== null && current !== claim.claim) {
        const currentDir = this.layout.inbox(current);
        // A holder on another node counts as live here: only a sweep that watched its
        // node's heartbeat stand still may judge it dead.
        const alive = await inboxAlive(currentDir, this.options.staleMs, { node: this.layout.node });
        if (alive && policy === 'refuse') return 'refused';
        if (alive) markEvicted(currentDir, evictedBy(this.layout.node, this.pid));
        else this.removeInbox(current);
      }
      const staging = path.join(this.layout.tmpDir(this.pid), `link-${claim.claim}`);
      mkdirSync(path.dirname(staging), { recursive: true, mode: 0o700 });
      rmSync(staging, { force: true });
      symlinkSync(this.layout.linkTarget(claim.claim), staging);
      renameSync(staging, this.layout.link(claim.name));
      return 'published';
    });
  }

  /**
   * Gives the identity up (if `claim` still holds it) and removes the inbox with any
   * undelivered files (returns their number). Safe after an eviction, and more than once.
   */
  async release(claim: Claim): Promise<number> {
    await claim.unlock().catch(() => {});
    await this.unlinkIfOwned(claim.name, claim.claim);
    return this.removeInbox(claim.claim);
  }

  /** Releases on behalf of a claim's dead owner (the listener reaping a session). */
  async releaseDead(name: string, claim: string): Promise<number> {
    await this.unlinkIfOwned(name, claim);
    return this.removeInbox(claim);
  }

  /** The claim that the identity link `name` points to, or null. */
  currentClaim(name: string): string | null {
    try {
      return this.layout.claimOfTarget(readlinkSync(this.layout.link(name)));
    } catch {
      return null;
    }
  }

  private async unlinkIfOwned(name: string, claim: string): Promise<void> {
    if (this.currentClaim(name) !== claim) return;
    await withIdentityLock(this.layout, name, () => {
      if (this.currentClaim(name) === claim) unlinkSync(this.layout.link(name));
    });
  }

  /**
   * Moves an inbox out of senders' reach first (a rename is atomic, so a sender's
   * rename into it either lands before or fails with ENOENT), then deletes it.
   * What an inbox taken over still holds goes on to the identity's current inbox.
   * On a network file system a sender that had the inbox cached may still rename
   * into it after the move, so removal meets ENOTEMPTY (or ESTALE) and tries again.
   * Returns how many messages it held undelivered (lost, as the protocol allows).
   */
  removeInbox(claim: string): number {
    const dir = this.layout.inbox(claim);
    const grave = path.join(this.layout.tmpDir(this.pid), `dead-${claim}`);
    let doomed = grave;
    try {
      mkdirSync(path.dirname(grave), { recursive: true, mode: 0o700 });
      renameSync(dir, grave);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      doomed = dir;
    }
    let undelivered = 0;
    for (let attempt = 1; ; attempt++) {
      this.forwardEvicted(doomed, claim);
      undelivered += listDir(doomed).filter(isMessageEntry).length;
      try {
        rmSync(doomed, { recursive: true, force: true, maxRetries: 3 });
        return undelivered;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'ESTALE') || attempt >= REMOVE_ATTEMPTS) throw err;
        sleepSync(REMOVE_RETRY_MS * attempt);
      }
    }
  }

  /**
   * An inbox marked `.evicted` lost its identity to another holder, on this node or
   * another: the messages that reached it anyway (a sender whose view of the link
   * was late) are renamed on through the link, into the current holder's inbox.
   */
  private forwardEvicted(dir: string, claim: string): void {
    if (!existsSync(path.join(dir, EVICTED_MARK))) return;
    const owner = readOwnerRecord(dir);
    if (owner === null) return;
    const current = this.currentClaim(owner.name);
    if (current === null || current === claim) return;
    const link = this.layout.link(owner.name);
    for (const entry of listDir(dir).filter(isMessageEntry)) {
      try {
        renameSync(path.join(dir, entry), `${link}/${entry}`);
      } catch {
        // The new holder left meanwhile: the message is lost with this inbox.
      }
    }
  }
}

const REMOVE_ATTEMPTS = 5;
const REMOVE_RETRY_MS = 20;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function markEvicted(inboxDir: string, by: string): void {
  try {
    writeFileSync(path.join(inboxDir, EVICTED_MARK), by);
  } catch {
    // The old owner is already removing its inbox.
  }
}
