/**
 * Where things live in a spool directory. Everything but the identity links is
 * hidden, so `ls <spool>` lists exactly the identities that are in the gateway:
 *
 *   <spool>/<name>            symlink to the inbox of the session holding <name>
 *   <spool>/.inboxes/<claim>/ an inbox: owner.json, message files, .lock/
 *   <spool>/.locks/           short-lived per-identity locks taken while claiming
 *   <spool>/.tmp/<node>.<pid>/      a process's temporary files, renamed into inboxes
 *   <spool>/.run/<node>.<pid>.json  each process's counters, for the metrics endpoint
 *   <spool>/.nodes/<node>           each node's heartbeat (node-heartbeat.ts)
 * Names that carry a process are built in names.ts.
 */
import path from 'node:path';
import { isClaimName, localNodeId, processKey, runFileName } from './names';

export const INBOXES = '.inboxes';
export const LOCKS = '.locks';
export const TMP = '.tmp';
export const RUN = '.run';
export const NODES = '.nodes';

export const OWNER_FILE = 'owner.json';
export const INBOX_LOCK = '.lock';
/** Written into an inbox by the session that took its identity over. */
export const EVICTED_MARK = '.evicted';
/** Present while the inbox's owner wants no more messages (its bound is reached). */
export const FULL_MARK = '.full';

export class SpoolLayout {
  /** `node`: the node id of the processes using this layout (docs/SPOOL.md §3.2). */
  constructor(
    readonly root: string,
    readonly node: string = localNodeId(),
  ) {}

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
  /** The staging directory of process `pid` of `node` (default: this layout's node). */
  tmpDir(pid: number, node: string = this.node): string {
    return path.join(this.root, TMP, processKey(node, pid));
  }
  runFile(pid: number, node: string = this.node): string {
    return path.join(this.root, RUN, runFileName(node, pid));
  }
  runDir(): string {
    return path.join(this.root, RUN);
  }
  nodeHeartbeat(node: string = this.node): string {
    return path.join(this.root, NODES, node);
  }
  dirs(): string[] {
    return [INBOXES, LOCKS, TMP, RUN, NODES].map((d) => path.join(this.root, d));
  }
}

/**
 * docs/SPOOL.md §3.4, §8.1: every entry of an inbox whose name does not start with
 * a dot and is not the owner record is a message, whoever wrote it and whatever
 * its name's pattern; the reader, the view and the undelivered count all use this.
 */
export function isMessageEntry(name: string): boolean {
  return name.length > 0 && !name.startsWith('.') && name !== OWNER_FILE;
}
