/**
 * Memory of a tfgw server's session processes, read from the spool and /proc:
 * each inbox's owner.json names the pid of the session holding it, and
 * /proc/<pid>/smaps_rollup gives that process's proportional set size (PSS),
 * which splits shared pages among the processes sharing them, so the sum is
 * what the sessions really cost together.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** PSS of a process in kB, or null when it cannot be read (gone, other user, not Linux). */
export function readPssKb(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The parent pid of a process, or null. */
export function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
  } catch {
    return null;
  }
}

/** Pids of the sessions holding identities that start with `prefix`, from `<spool>/.inboxes/<claim>/owner.json`. */
export function sessionPids(spool: string, prefix: string): number[] {
  const inboxes = path.join(spool, '.inboxes');
  let claims: string[];
  try {
    claims = readdirSync(inboxes);
  } catch {
    return [];
  }
  const want = Buffer.from(prefix, 'utf8');
  const pids = new Set<number>();
  for (const claim of claims) {
    try {
      const owner = JSON.parse(readFileSync(path.join(inboxes, claim, 'owner.json'), 'utf8')) as {
        pid?: unknown;
        identityBase64?: unknown;
      };
      if (typeof owner.pid !== 'number') continue;
      const identity = typeof owner.identityBase64 === 'string' ? Buffer.from(owner.identityBase64, 'base64') : null;
      if (identity?.subarray(0, want.length).equals(want)) pids.add(owner.pid);
    } catch {
      // An inbox that is being created or removed right now.
    }
  }
  return [...pids];
}

export interface SessionMemory {
  /** Sessions found in the spool for our identities. */
  sessions: number;
  /** Sessions whose PSS could be read. */
  measured: number;
  totalPssMB: number;
  perSessionPssMB: number | null;
  /** The common parent of the sessions (the listener), when there is one. */
  listener: { pid: number; pssMB: number } | null;
}

/** smaps counts in kB of 1024 bytes; the bench's MB are 10^6 bytes. */
const KB_PER_MB = 1e6 / 1024;

export function sessionMemory(spool: string, prefix: string): SessionMemory {
  return memoryOf(sessionPids(spool, prefix));
}

/** The process group of a process, or null. */
export function processGroup(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(pgrp) && pgrp > 0 ? pgrp : null;
  } catch {
    return null;
  }
}

/** Every process in process group `group`, from /proc. */
export function groupPids(group: number): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && processGroup(pid) === group);
}

/**
 * Another server that forks a process (or several) per connection, detached
 * from its parent but in its process group: the memory of the whole group.
 * `sessions` counts processes, not peers: the caller divides what the peers
 * added by the peers it holds.
 */
export function serverGroupMemory(group: number): SessionMemory {
  return { ...memoryOf(groupPids(group)), listener: null };
}

function memoryOf(pids: number[]): SessionMemory {
  let totalKb = 0;
  let measured = 0;
  const parents = new Set<number>();
  for (const pid of pids) {
    const kb = readPssKb(pid);
    if (kb === null) continue;
    totalKb += kb;
    measured++;
    const ppid = parentPid(pid);
    if (ppid !== null) parents.add(ppid);
  }
  let listener: SessionMemory['listener'] = null;
  if (parents.size === 1) {
    const pid = [...parents][0]!;
    const kb = readPssKb(pid);
    if (kb !== null) listener = { pid, pssMB: kb / KB_PER_MB };
  }
  return {
    sessions: pids.length,
    measured,
    totalPssMB: totalKb / KB_PER_MB,
    perSessionPssMB: measured > 0 ? totalKb / KB_PER_MB / measured : null,
    listener,
  };
}
