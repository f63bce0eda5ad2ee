/**
 * Which file system the spool is on, from the mount table (`/proc/mounts`): on a
 * network file system another host's renames notify nothing here, so the inbox
 * is polled as well as watched, and `tfgw serve` checks the mount's options
 * (mount-warnings.ts). The table is read through a function so tests give their own.
 */
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

export type MountTable = () => string;

export const procMounts: MountTable = () => readFileSync('/proc/mounts', 'utf8');

/** File systems whose changes may come from another host, which no local watch sees. */
const NETWORK_FS = /^(nfs|nfs4|cifs|smb3|smbfs|9p|ceph|glusterfs|lustre|afs|gfs2|ocfs2|beegfs|fuse|fuse\..+)$/;

export function isNetworkFs(fsType: string): boolean {
  return NETWORK_FS.test(fsType);
}

/** The kernel writes blanks and backslashes in mount table fields as octal escapes. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function parseMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    entries.push({
      source: unescapeField(fields[0]!),
      mountPoint: unescapeField(fields[1]!),
      fsType: fields[2]!,
      options: fields[3]!.split(','),
    });
  }
  return entries;
}

/** The mount that holds `file`: the last-mounted entry with the longest mount point above it. */
export function mountOf(file: string, mounts: MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const entry of mounts) {
    const point = entry.mountPoint;
    const inside = point === '/' || file === point || file.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (best === null || point.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

/** The mount holding the directory `dir` (resolved through links), or null when the table cannot be read. */
export function mountOfDirectory(dir: string, table: MountTable = procMounts): MountEntry | null {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    real = path.resolve(dir);
  }
  try {
    return mountOf(real, parseMounts(table()));
  } catch {
    return null;
  }
}

/** The value of option `name` (`name=value`), or null when the mount does not have it. */
export function mountOption(entry: MountEntry, name: string): string | null {
  const prefix = `${name}=`;
  const found = entry.options.find((o) => o.startsWith(prefix));
  return found === undefined ? null : found.slice(prefix.length);
}
