/**
 * Clearing what dead processes left in the spool: the listener reaps a session
 * process it saw exit, and sweeps the whole spool at start and now and then for
 * anything else (a crashed listener's sessions, another server sharing the spool).
 * Everything checks liveness first, so a sweep never touches a live session's files:
 * this node's entries by their process, another node's only once that node's
 * heartbeat has stood still for longer than `staleMs` as this process saw it.
 */
import { lstatSync, rmSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { listDir } from './fs-safe';
import { IDENTITY_LOCK_STALE_MS } from './identity-lock';
import { HeartbeatJudge } from './heartbeat';
import { PreauthRegistry } from './preauth';
import { INBOXES, LOCKS, RUN, type SpoolLayout, TMP } from './layout';
import { type LivenessContext, inboxAlive, pidAlive, pidReused } from './liveness';
import { type ProcessRef, parseClaim, parseProcessKey, parseRunFileName } from './names';
import { heartbeatNodes } from './node-heartbeat';
import { readOwnerRecord } from './owner-record';
import { runRecordStaging } from './run-record';
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
  /** Heartbeats of other nodes that stood still too long. */
  nodes: number;
  /** `.preauth` entries of processes that ended (on other nodes: of stale nodes). */
  preauth: number;
}

type SweepLiveness = LivenessContext & { nodeLive: (node: string) => boolean; judgedFiles: Set<string> };

export class Janitor {
  /** Other nodes judged stale at the last `watchNodes`. */
  private staleNodes = new Set<string>();

  constructor(
    private readonly layout: SpoolLayout,
    private readonly ownership: Ownership,
    private readonly staleMs: number,
    private readonly heartbeats: HeartbeatJudge = new HeartbeatJudge(staleMs),
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
      const holder = parseClaim(claim);
      if (holder === null || holder.node !== this.layout.node || holder.pid !== pid) continue;
      const owner = readOwnerRecord(this.layout.inbox(claim));
      // A record without a start time (an older writer) is the pid's; no record yet: the pid's present holder may be writing it.
      const ours = owner ? owner.start === undefined || started === null || owner.start === started : !reused;
      if (!ours) continue;
      undelivered += owner ? await this.ownership.releaseDead(owner.name, claim) : this.ownership.removeInbox(claim);
      inboxes++;
    }
    if (!reused) {
      rmSync(this.layout.tmpDir(pid), { recursive: true, force: true });
      rmSync(this.layout.runFile(pid), { force: true });
      rmSync(runRecordStaging(this.layout.runFile(pid)), { force: true });
    }
    return { inboxes, undelivered };
  }

  /**
   * Reads every other node's heartbeat (as a sweep would) and says whether a node
   * went stale since the last look, so that a sweep is due now. Looking at the pace
   * the heartbeats are written, rather than only at each sweep, keeps the moment a
   * dead node's heartbeat is last seen changing close to its death: it is then
   * cleared within about `staleMs` and two heartbeat intervals, not `staleMs` and
   * two sweep intervals.
   */
  watchNodes(): boolean {
    const stale = new Set<string>();
    for (const node of heartbeatNodes(this.layout)) {
      if (node !== this.layout.node && this.heartbeats.judge(this.layout.nodeHeartbeat(node)) === 'stale') stale.add(node);
    }
    const newly = [...stale].some((node) => !this.staleNodes.has(node));
    this.staleNodes = stale;
    return newly;
  }

  /** One pass over the whole spool. */
  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { links: 0, inboxes: 0, tmp: 0, locks: 0, run: 0, nodes: 0, preauth: 0 };
    const context = this.livenessContext();
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
      if (await inboxAlive(this.layout.inbox(claim), this.staleMs, context)) {
        linked.add(claim);
        continue;
      }
      await this.ownership.releaseDead(entry, claim);
      report.links++;
    }
    for (const claim of this.list(INBOXES)) {
      if (linked.has(claim)) continue;
      const dir = this.layout.inbox(claim);
      const holder = parseClaim(claim);
      // Unpublished claims of live sessions (mid-claim, or evicted and leaving) stay.
      if (holder !== null && (await inboxAlive(dir, this.staleMs, context))) continue;
      if (holder !== null && this.processLive(holder, context) && (holder.node !== this.layout.node || youngerThan(dir, this.staleMs))) continue;
      this.ownership.removeInbox(claim);
      report.inboxes++;
    }
    for (const entry of this.list(TMP)) {
      const writer = parseProcessKey(entry);
      const dir = path.join(this.layout.root, TMP, entry);
      if (writer !== null ? this.processLive(writer, context) : youngerThan(dir, FOREIGN_STAGING_MS)) continue;
      rmSync(dir, { recursive: true, force: true });
      report.tmp++;
    }
    for (const entry of this.list(RUN)) {
      // `<key>.json`, or `.<key>.json.tmp` while its owner is rewriting it.
      const writer = parseRunFileName(entry);
      if (writer !== null && this.processLive(writer, context)) continue;
      rmSync(path.join(this.layout.root, RUN, entry), { force: true });
      report.run++;
    }
    report.preauth = new PreauthRegistry(this.layout.root, this.layout.node).sweepDead((ref) => this.processLive(ref, context));
    for (const node of heartbeatNodes(this.layout)) {
      if (node === this.layout.node || context.nodeLive?.(node) !== false) continue;
      rmSync(this.layout.nodeHeartbeat(node), { force: true });
      report.nodes++;
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
    this.heartbeats.retain(context.judgedFiles);
    return report;
  }

  /**
   * Liveness for one sweep: each other node's heartbeat is read once. Nodes seen
   * neither in a heartbeat file nor in an entry are forgotten.
   */
  private livenessContext(): SweepLiveness {
    const judged = new Map<string, boolean>();
    const files = new Set<string>();
    for (const node of heartbeatNodes(this.layout)) files.add(this.layout.nodeHeartbeat(node));
    const nodeLive = (node: string): boolean => {
      let live = judged.get(node);
      if (live === undefined) {
        const file = this.layout.nodeHeartbeat(node);
        files.add(file);
        live = this.heartbeats.judge(file) === 'live';
        judged.set(node, live);
      }
      return live;
    };
    for (const file of files) nodeLive(path.basename(file));
    return { node: this.layout.node, nodeLive, judgedFiles: files };
  }

  /** A process of this node by its pid, one of another node by its node's heartbeat. */
  private processLive(ref: ProcessRef, context: SweepLiveness): boolean {
    return ref.node === this.layout.node ? pidAlive(ref.pid) : context.nodeLive(ref.node);
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
