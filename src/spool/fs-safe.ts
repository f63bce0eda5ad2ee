/** File-system reads that treat "not there" as empty: the spool changes under every reader. */
import { readdirSync, statSync } from 'node:fs';
import { spoolFileCalls } from '../native';

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const calls = spoolFileCalls();

/** The file's size, or null when it does not exist (any more). */
export function sizeOf(file: string): number | null {
  // Once per arriving message (the inbox bound): the native stat builds no Stats object.
  if (calls !== null) {
    const size = calls.fileSize(file);
    return size < 0 ? null : size;
  }
  try {
    // Absence is the common answer (the inbox's full mark): no exception for it.
    return statSync(file, { throwIfNoEntry: false })?.size ?? null;
  } catch {
    return null;
  }
}
