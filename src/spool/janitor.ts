/**
 * Clearing what dead processes left in the spool: the listener reaps a session
 * process it saw exit, and sweeps the whole spool at start and now and then for
 * anything else (a crashed listener's sessions, another server sharing the spool).
 * Everything checks liveness first, so a sweep never touches a live session's files.
 */
import { lstatSync, rmSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { listDir } from './fs-safe';
import { IDENTITY_LOCK_STALE_MS } from './identity-lock';
import { INBOXES, LOCKS, RUN, type SpoolLayout, TMP, isClaimName, pidOfClaim } from './layout';
import { inboxAlive, pidAlive, pidReused } from './liveness';
import { readOwnerRecord } from './owner-record';
import type { Ownership } from './ownership';

/**
 * Another writer's staging directory (`.tmp/<not all digits>/`, docs/SPOOL.md §7.1)
 * is removed once its modification time, which each staged file refreshes, is this old.
 */
export const FOREIGN_STAGING_MS = 60 * 60 * 1000;

export interface SweepReport {
  links: number;
  inboxes: number;
  tmp: number;
  locks: number;
  run: number;
}

export class Janitor {
  constructor(
    private readonly layout: SpoolLayout,
    private readonly ownership: Ownership,
    private readonly staleMs: number,
  ) {}

  /**
   * Removes everything a session process `pid` that has exited left behind. With
   * `started` (its start time, liveness.ts), only what that very process left: once
   * the pid belongs to a later process, that one's claims, temporary files and run
   * record stay (the periodic sweep takes what is left once it ends too).
   */
  async reap(pid: number, started: string | null = null): Promise<{ inboxes: number; undelivered: number }> {
    let inboxes = 0;
    let undelivered = 0;
    const reused = pidReused(pid, started);
    for (const claim of this.list(INBOXES)) {
      if (!isClaimName(claim) || pidOfClaim(claim) !== pid) continue;
      const owner = readOwnerRecord(this.layout.inbox(claim));
      // A record without a start time (an older writer) is the pid's; no record yet: the pid's present holder may be writing it.
      const ours = owner ? owner.started === undefined || started === null || owner.started === started : !reused;
      if (!ours) continue;
      undelivered += owner ? await this.ownership.releaseDead(owner.name, claim) : this.ownership.removeInbox(claim);
      inboxes++;
    }
    if (!reused) {
      rmSync(this.layout.tmpDir(pid), { recursive: true, force: true });
      rmSync(this.layout.runFile(pid), { force: true });
    }
    return { inboxes, undelivered };
  }

  /** One pass over the whole spool. */
  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { links: 0, inboxes: 0, tmp: 0, locks: 0, run: 0 };
    const linked = new Set<string>();
    for (const entry of listDir(this.layout.root)) {
      if (entry.startsWith('.')) continue;
      const claim = this.ownership.currentClaim(entry);
      if (claim === null) {
        if (isDanglingLink(this.layout.link(entry))) {
          rmSync(this.layout.link(entry), { force: true });
          report.links++;
        }
        continue;
      }
      if (await inboxAlive(this.layout.inbox(claim), this.staleMs)) {
        linked.add(claim);
        continue;
      }
      await this.ownership.releaseDead(entry, claim);
      report.links++;
    }
    for (const claim of this.list(INBOXES)) {
      if (linked.has(claim)) continue;
      const dir = this.layout.inbox(claim);
      // Unpublished claims of live sessions (mid-claim, or evicted and leaving) stay.
      if (isClaimName(claim) && (await inboxAlive(dir, this.staleMs))) continue;
      if (isClaimName(claim) && pidAlive(pidOfClaim(claim)) && youngerThan(dir, this.staleMs)) continue;
      this.ownership.removeInbox(claim);
      report.inboxes++;
    }
    for (const entry of this.list(TMP)) {
      // tfgw's own `.tmp/<pid>/` goes with its process; another writer's is kept for an hour (§7.1).
      if (/^\d+$/.test(entry) ? pidAlive(Number(entry)) : youngerThan(path.join(this.layout.root, TMP, entry), FOREIGN_STAGING_MS)) {
        continue;
      }
      rmSync(path.join(this.layout.root, TMP, entry), { recursive: true, force: true });
      report.tmp++;
    }
    for (const entry of this.list(RUN)) {
      // `<pid>.json`, or `.<pid>.json.tmp` while its owner is rewriting it.
      const pid = Number(/^\.?(\d+)\.json/.exec(entry)?.[1] ?? Number.NaN);
      if (Number.isInteger(pid) && pidAlive(pid)) continue;
      rmSync(path.join(this.layout.root, RUN, entry), { force: true });
      report.run++;
    }
    for (const entry of this.list(LOCKS)) {
      const lock = path.join(this.layout.root, LOCKS, entry);
      if (youngerThan(lock, IDENTITY_LOCK_STALE_MS)) continue;
      try {
        rmdirSync(lock);
        report.locks++;
      } catch {
        // Taken again meanwhile, or not a lock: leave it.
      }
    }
    return report;
  }

  private list(sub: string): string[] {
    return listDir(path.join(this.layout.root, sub));
  }
}

function isDanglingLink(file: string): boolean {
  try {
    if (!lstatSync(file).isSymbolicLink()) return false;
  } catch {
    return false;
  }
  try {
    statSync(file);
    return false;
  } catch {
    return true;
  }
}

function youngerThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < ms;
  } catch {
    return false;
  }
}
