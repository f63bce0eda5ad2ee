/**
 * Connections that have not finished the connection sequence, counted per source
 * address across session processes. Processes share nothing but the spool, so
 * the count is a directory per address, `.preauth/<address>/`, holding one empty
 * file per session process (`<node>.<pid>`) while its connection is
 * unauthenticated. Entering writes the file first and counts second: two processes
 * entering at once may both be refused, never both admitted past the cap. The
 * count is the spool's, over every node sharing it: one address flooding one host
 * is refused at the others too.
 */
import { mkdirSync, readdirSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pidAlive } from './liveness';
import { type ProcessRef, localNodeId, parseProcessKey, processKey } from './names';

export const PREAUTH = '.preauth';

/** One directory name per source address: IPv4-mapped IPv6 as plain IPv4, nothing a path could misread. */
export function addressKey(address: string): string {
  return encodeURIComponent(address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''));
}

export class PreauthRegistry {
  private readonly dir: string;

  constructor(
    spoolRoot: string,
    /** This host's node id, in the entries it writes. */
    private readonly node: string = localNodeId(),
  ) {
    this.dir = path.join(spoolRoot, PREAUTH);
  }

  /**
   * Records `pid` as holding an unauthenticated connection from `address`;
   * false (and nothing recorded) when that would make more than `cap`.
   */
  enter(address: string, pid: number, cap: number): boolean {
    const dir = path.join(this.dir, addressKey(address));
    const entry = path.join(dir, processKey(this.node, pid));
    for (let attempt = 1; ; attempt++) {
      try {
        writeFileSync(entry, '');
        break;
      } catch (err) {
        // No directory yet, or a sweep just removed it as empty: make it and write again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw err;
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      }
    }
    if (readdirSync(dir).length <= cap) return true;
    unlinkQuietly(entry);
    return false;
  }

  /**
   * The connection of `pid` from `address` finished the sequence or ended. The
   * address's directory stays (the next connection from it would make it again:
   * two directory operations on `.preauth/` per connection, which every session
   * process's connections queue on); the sweep removes it once it is empty.
   */
  leave(address: string, pid: number): void {
    unlinkQuietly(path.join(this.dir, addressKey(address), processKey(this.node, pid)));
  }

  /** Unauthenticated connections from `address` now. */
  count(address: string): number {
    return list(path.join(this.dir, addressKey(address))).length;
  }

  /**
   * Removes the entries of processes that no longer exist (a crash, SIGKILL) and
   * entries that name no process; returns how many. `live` judges a process: by
   * default one of this node by its pid, and one of another node as live (only a
   * sweep that watched that node's heartbeat may judge it, janitor.ts).
   */
  sweepDead(live: (process: ProcessRef) => boolean = (ref) => ref.node !== this.node || pidAlive(ref.pid)): number {
    let removed = 0;
    for (const address of list(this.dir)) {
      const dir = path.join(this.dir, address);
      for (const entry of list(dir)) {
        const ref = parseProcessKey(entry);
        if (ref !== null && live(ref)) continue;
        rmSync(path.join(dir, entry), { force: true });
        removed++;
      }
      removeIfEmpty(dir);
    }
    return removed;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already (a sweep took a dead process's entry, or the spool went away).
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (another connection from the address) or already gone.
  }
}
