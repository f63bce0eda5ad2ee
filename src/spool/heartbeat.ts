/**
 * Judging another node's heartbeat (docs/SPOOL.md §6.2). The observer never
 * compares the other node's times with its own clock: it remembers what it read
 * and when, on its own monotonic clock, and counts the other node stale only once
 * what it reads has stood still for longer than `staleMs`. A value seen for the
 * first time counts as just changed, so nothing is ever judged stale before this
 * observer has watched it for `staleMs`. Reads go through `open` and `read` (a
 * network file system revalidates on open), never a cached `stat()`.
 */
import { readFileSync } from 'node:fs';

/** What a heartbeat holds now, or null when it is not there. */
export type HeartbeatRead = (file: string) => string | null;

export function readHeartbeat(file: string): string | null {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

export type HeartbeatState = 'live' | 'stale';

interface Seen {
  value: string | null;
  changedAt: number;
}

export class HeartbeatJudge {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly staleMs: number,
    private readonly now: () => number = monotonicMs,
    private readonly read: HeartbeatRead = readHeartbeat,
  ) {}

  /** Reads the heartbeat `file` and says whether it changed within `staleMs`, as seen from here. */
  judge(file: string): HeartbeatState {
    const value = this.read(file);
    const now = this.now();
    const last = this.seen.get(file);
    if (last === undefined || last.value !== value) {
      this.seen.set(file, { value, changedAt: now });
      return 'live';
    }
    return now - last.changedAt > this.staleMs ? 'stale' : 'live';
  }

  /** Forgets every heartbeat but `keep` (those of nodes no longer in the spool). */
  retain(keep: ReadonlySet<string>): void {
    for (const file of this.seen.keys()) if (!keep.has(file)) this.seen.delete(file);
  }

  /** How many heartbeats are remembered (for tests). */
  get size(): number {
    return this.seen.size;
  }
}
