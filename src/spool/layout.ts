/**
 * Where things live in a spool directory. Everything but the identity links is
 * hidden, so `ls <spool>` lists exactly the identities that are in the gateway:
 *
 *   <spool>/<name>            symlink to the inbox of the session holding <name>
 *   <spool>/.inboxes/<claim>/ an inbox: owner.json, message files, .lock/
 *   <spool>/.locks/           short-lived per-identity locks taken while claiming
 *   <spool>/.tmp/<pid>/       a process's temporary files, renamed into inboxes
 *   <spool>/.run/<pid>.json   each process's counters, for the metrics endpoint
 */
import path from 'node:path';

export const INBOXES = '.inboxes';
export const LOCKS = '.locks';
export const TMP = '.tmp';
export const RUN = '.run';

export const OWNER_FILE = 'owner.json';
export const INBOX_LOCK = '.lock';
/** Written into an inbox by the session that took its identity over. */
export const EVICTED_MARK = '.evicted';
/** Present while the inbox's owner wants no more messages (its bound is reached). */
export const FULL_MARK = '.full';

export class SpoolLayout {
  constructor(readonly root: string) {}

  link(name: string): string {
    return path.join(this.root, name);
  }
  inbox(claim: string): string {
    return path.join(this.root, INBOXES, claim);
  }
  /** The symlink target for a claim, relative to the spool root. */
  linkTarget(claim: string): string {
    return `${INBOXES}/${claim}`;
  }
  /** Inverse of `linkTarget`: the claim a link points to, or null for a foreign target. */
  claimOfTarget(target: string): string | null {
    const prefix = `${INBOXES}/`;
    if (!target.startsWith(prefix)) return null;
    const claim = target.slice(prefix.length);
    return isClaimName(claim) ? claim : null;
  }
  identityLock(name: string): string {
    return path.join(this.root, LOCKS, `${name}.lock`);
  }
  tmpDir(pid: number): string {
    return path.join(this.root, TMP, String(pid));
  }
  runFile(pid: number): string {
    return path.join(this.root, RUN, `${pid}.json`);
  }
  dirs(): string[] {
    return [INBOXES, LOCKS, TMP, RUN].map((d) => path.join(this.root, d));
  }
}

/** Claim names are `<pid>-<base36 time>-<counter>`: unique, and reapable by pid. */
export function claimName(pid: number, counter: number): string {
  return `${pid}-${Date.now().toString(36)}-${counter}`;
}

export function isClaimName(name: string): boolean {
  return /^\d+-[0-9a-z]+-\d+$/.test(name);
}

export function pidOfClaim(claim: string): number {
  return Number.parseInt(claim, 10);
}

/**
 * docs/SPOOL.md §3.4, §8.1: every entry of an inbox whose name does not start with
 * a dot and is not the owner record is a message, whoever wrote it and whatever
 * its name's pattern; the reader, the view and the undelivered count all use this.
 */
export function isMessageEntry(name: string): boolean {
  return name.length > 0 && !name.startsWith('.') && name !== OWNER_FILE;
}
