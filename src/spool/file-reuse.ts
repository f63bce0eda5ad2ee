/**
 * Whether message files are handed back for reuse (SPOOL.md §8.3, blanks.ts).
 * It pays on one kind of file system only: ext4 without a journal, whose inode
 * allocator skips every recently freed inode one at a time, so a file created
 * after a burst of deletions costs in proportion to the burst. Elsewhere a
 * reused file costs a rename more than a new one and saves nothing: measured
 * in C (create, write 1 KiB, rename in; read, unlink, against the reuse
 * pattern), 28 against 32 µs a message on tmpfs, 50 against 60 µs on ext4
 * with a journal (docs/perf/analysis.md). On a network file system a rename
 * and an open cost two calls to the server where a create costs one.
 */
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

/** 'auto': where it pays (ext4 without a journal, local); 'on', 'off': always, never. */
export const REUSE_MODES = ['auto', 'on', 'off'] as const;
export type ReuseMode = (typeof REUSE_MODES)[number];

/** Where the kernel says what it knows of block devices and file systems (tests give their own). */
export interface KernelViews {
  /** `/sys`: `dev/block/<major>:<minor>` links to the device's name. */
  sys: string;
  /** `/proc`: `fs/ext4/<device>` for each mounted ext4, `fs/jbd2/<device>-<inode>` for each journal. */
  proc: string;
}

const KERNEL: KernelViews = { sys: '/sys', proc: '/proc' };

/** Linux's encoding of a device number (`st_dev`) into major and minor. */
function deviceNumbers(dev: number): string {
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  return `${major}:${minor}`;
}

/** The block device's name under `/proc/fs`, for the file system holding `dir`; null when none is known. */
function deviceName(dir: string, views: KernelViews): string | null {
  try {
    return path.basename(readlinkSync(path.join(views.sys, 'dev', 'block', deviceNumbers(statSync(dir).dev))));
  } catch {
    return null;
  }
}

/** True when `dir` is on an ext4 that has no journal; false when it is not, or when that cannot be told. */
export function onExt4WithoutJournal(dir: string, views: KernelViews = KERNEL): boolean {
  const device = deviceName(dir, views);
  if (device === null || !existsSync(path.join(views.proc, 'fs', 'ext4', device))) return false;
  try {
    return !readdirSync(path.join(views.proc, 'fs', 'jbd2')).some((journal) => journal.startsWith(`${device}-`));
  } catch {
    // No jbd2 at all: no journal is in use anywhere.
    return true;
  }
}

/** Whether the spool at `dir` hands message files back, by `mode`; never on a network file system. */
export function reusesFiles(mode: ReuseMode, dir: string, onNetworkFs: boolean, views: KernelViews = KERNEL): boolean {
  if (mode === 'off' || onNetworkFs) return false;
  return mode === 'on' || onExt4WithoutJournal(dir, views);
}
