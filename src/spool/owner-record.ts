/** The small JSON record in each inbox that says who holds it. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { displayIdentity } from './identity-name';
import { OWNER_FILE } from './layout';
import { processStartTime } from './process-alive';

export interface OwnerRecord {
  /** Printable form of the identity (JSON string or 0x-hex). */
  identity: string;
  /** The identity's exact bytes, base64. */
  identityBase64: string;
  /** The directory name the identity maps to. */
  name: string;
  pid: number;
  /** The holder's node id (docs/SPOOL.md §3.2); absent in records of format 1. */
  node?: string;
  /** The holder process's start time on its node (liveness.ts), when known. */
  start?: string;
  /** ISO time the identity was claimed. */
  since: string;
  /** The client's address as `host:port`. */
  client: string;
}

export function makeOwnerRecord(identity: Uint8Array, name: string, pid: number, client: string, node?: string): OwnerRecord {
  const start = processStartTime(pid);
  return {
    identity: displayIdentity(identity),
    identityBase64: Buffer.from(identity).toString('base64'),
    name,
    pid,
    ...(node === undefined ? {} : { node }),
    ...(start === null ? {} : { start }),
    since: new Date().toISOString(),
    client,
  };
}

export function writeOwnerRecord(inboxDir: string, record: OwnerRecord): void {
  writeFileSync(path.join(inboxDir, OWNER_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o640 });
}

/** The owner record of an inbox, or null when it is missing or unreadable. */
export function readOwnerRecord(inboxDir: string): OwnerRecord | null {
  try {
    const parsed = JSON.parse(readFileSync(path.join(inboxDir, OWNER_FILE), 'utf8')) as OwnerRecord;
    return typeof parsed.pid === 'number' && typeof parsed.name === 'string' ? parsed : null;
  } catch {
    return null;
  }
}
