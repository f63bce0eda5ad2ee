/**
 * Why the listener reads the inotify limits at start: every session process
 * holds one inotify instance for as long as it lives, and a user has 128 by
 * default, shared with every other program of that user. Past the limit an inbox
 * is polled instead (spool/watch.ts), which works but costs a listing per
 * interval; an operator running many peers should know before that happens,
 * and which sysctl to raise.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../log/logger';

/** Instances left to other programs of the same user (desktop, editors, other servers). */
export const INOTIFY_MARGIN = 16;

const LIMIT_FILES = {
  instances: '/proc/sys/fs/inotify/max_user_instances',
  watches: '/proc/sys/fs/inotify/max_user_watches',
  /** A user namespace's own cap (the lower of both applies). */
  namespaceInstances: '/proc/sys/user/max_inotify_instances',
} as const;

export interface InotifyLimits {
  instances: number | null;
  watches: number | null;
  namespaceInstances: number | null;
}

function readLimit(file: string): number | null {
  try {
    const value = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

export function readInotifyLimits(files: Record<keyof InotifyLimits, string> = LIMIT_FILES): InotifyLimits {
  return {
    instances: readLimit(files.instances),
    watches: readLimit(files.watches),
    namespaceInstances: readLimit(files.namespaceInstances),
  };
}

/**
 * The warning to give when `maxPeers` session processes (plus the listener) need
 * more instances or watches than the limits leave after the margin; null when they fit
 * or the limits cannot be read (not Linux).
 */
export function inotifyShortfall(maxPeers: number, limits: InotifyLimits): Record<string, string | number> | null {
  const caps = [limits.instances, limits.namespaceInstances].filter((v): v is number => v !== null);
  const needed = maxPeers + 1 + INOTIFY_MARGIN;
  const instances = caps.length > 0 ? Math.min(...caps) : null;
  const watches = limits.watches;
  if ((instances === null || instances >= needed) && (watches === null || watches >= needed)) return null;
  const short = instances !== null && instances < needed;
  return {
    maxPeers,
    limit: short ? (instances as number) : (watches as number),
    raise: short ? `sysctl fs.inotify.max_user_instances=${needed}` : `sysctl fs.inotify.max_user_watches=${needed}`,
    pastTheLimit: 'peers past the limit have their inbox polled (watchMode auto) or are refused (watchMode native)',
  };
}

/** Says once, at start, when `maxPeers` exceeds what the inotify limits allow. */
export function checkInotifyBudget(maxPeers: number, log: Logger, limits = readInotifyLimits()): void {
  const shortfall = inotifyShortfall(maxPeers, limits);
  if (shortfall) log.warn('maxPeers exceeds the inotify limits of this user', shortfall);
}
