/**
 * What `tfgw serve` warns about at start when the spool is shared over the network
 * (README, operating on several hosts): an NFS mount whose caches keep another
 * host's changes from this one for longer than a second, and a clock that differs
 * from the file system's. Pure functions of a mount entry and of clock readings,
 * so tests give both; listener/spool-checks.ts does the reading and the logging.
 */
import { type MountEntry, isNetworkFs, mountOption } from './mounts';

/** The longest any cache may hide another host's change, in seconds. */
export const MAX_CACHE_SECONDS = 1;
/** The largest difference tolerated between this host's clock and a fresh file's time. */
export const MAX_CLOCK_SKEW_MS = 1000;

/** Linux NFS's defaults for the attribute cache times, in seconds. */
const NFS_DEFAULTS: Record<string, number> = { acregmin: 3, acregmax: 60, acdirmin: 30, acdirmax: 60 };

function isNfs(entry: MountEntry): boolean {
  return entry.fsType === 'nfs' || entry.fsType === 'nfs4';
}

/** The attribute cache times of an NFS mount that exceed a second (none with `noac`). */
export function slowCaches(entry: MountEntry): string[] {
  if (entry.options.includes('noac')) return [];
  const actimeo = mountOption(entry, 'actimeo');
  const slow: string[] = [];
  for (const name of Object.keys(NFS_DEFAULTS)) {
    const text = mountOption(entry, name) ?? actimeo;
    const seconds = text === null ? NFS_DEFAULTS[name]! : Number(text);
    if (!(seconds <= MAX_CACHE_SECONDS)) slow.push(`${name}=${text ?? `${seconds} (default)`}`);
  }
  return slow;
}

export interface SpoolWarning {
  message: string;
  fields: Record<string, string>;
}

/** Warnings about the mount the spool is on; none for a local file system. */
export function mountWarnings(entry: MountEntry | null): SpoolWarning[] {
  if (entry === null || !isNetworkFs(entry.fsType)) return [];
  const where = { mount: entry.mountPoint, type: entry.fsType };
  if (!isNfs(entry)) {
    return [{ message: 'spool on a network file system tfgw was not measured on: inboxes are polled; check its caching against README, operating on several hosts', fields: where }];
  }
  const warnings: SpoolWarning[] = [];
  const slow = slowCaches(entry);
  if (slow.length > 0) {
    const lookup = mountOption(entry, 'lookupcache') ?? 'all (default)';
    warnings.push({
      message: `spool on NFS caches attributes for more than ${MAX_CACHE_SECONDS} s: delivery re-reads the spool before it trusts a name, but what a process has not re-read (a link's target, a full mark) can lag that long behind other hosts; mount with actimeo=1`,
      fields: { ...where, caches: slow.join(','), lookupcache: lookup },
    });
  }
  if (entry.options.includes('nocto')) {
    warnings.push({
      message: 'spool on NFS mounted nocto: opening a file no longer revalidates it, which heartbeats and messages across hosts rely on; remove nocto',
      fields: where,
    });
  }
  return warnings;
}

/**
 * How far a fresh file's modification time (set by the file system, on NFS by the
 * server's clock) lies outside this host's clock readings taken just before and
 * after creating it; 0 when inside.
 */
export function clockSkewMs(before: number, mtimeMs: number, after: number): number {
  if (mtimeMs < before) return mtimeMs - before;
  if (mtimeMs > after) return mtimeMs - after;
  return 0;
}

export function clockWarning(before: number, mtimeMs: number, after: number): SpoolWarning | null {
  const skew = clockSkewMs(before, mtimeMs, after);
  // File times may be a clock tick behind the clock read before: allow the tolerance.
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS) return null;
  return {
    message: `this host's clock and the spool's file system differ by more than ${MAX_CLOCK_SKEW_MS} ms: keep every host sharing the spool in NTP sync`,
    fields: { differenceMs: String(Math.round(skew)) },
  };
}
