/** File-system reads that treat "not there" as empty: the spool changes under every reader. */
import { readdirSync, statSync } from 'node:fs';

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The file's size, or null when it does not exist (any more). */
export function sizeOf(file: string): number | null {
  try {
    // Absence is the common answer (the inbox's full mark): no exception for it.
    return statSync(file, { throwIfNoEntry: false })?.size ?? null;
  } catch {
    return null;
  }
}
