/**
 * What idle peers cost a server in CPU: the user and system time its processes
 * use over a window while every peer only waits, read from /proc/<pid>/stat
 * (utime and stime, in the kernel's USER_HZ ticks of 10 ms). An idle peer is paid
 * for in wake-ups (timers, polling): on a host with a thousand of them that cost,
 * not memory, is what runs out first.
 */
import { readFileSync } from 'node:fs';

/** /proc reports times in USER_HZ, 100 a second on Linux whatever the kernel's own tick. */
const MS_PER_TICK = 10;

/** CPU time (user + system) process `pid` has used so far, in ms; null when it cannot be read. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * MS_PER_TICK : null;
  } catch {
    return null;
  }
}

export interface IdleCpu {
  /** Processes read at both ends of the window. */
  processes: number;
  windowS: number;
  /** Their CPU over the window, ms per second (1000 is one core). */
  msPerS: number;
}

/** Reads `pids` now; the returned function reads them again and gives what they used in between. */
export function startCpuWindow(pids: number[], now: () => number = Date.now): () => IdleCpu {
  const startAt = now();
  const start = new Map<number, number>();
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms !== null) start.set(pid, ms);
  }
  return () => {
    const windowS = (now() - startAt) / 1000;
    let used = 0;
    let processes = 0;
    for (const [pid, before] of start) {
      const after = processCpuMs(pid);
      if (after === null) continue;
      used += after - before;
      processes++;
    }
    return { processes, windowS, msPerS: windowS > 0 ? used / windowS : 0 };
  };
}
