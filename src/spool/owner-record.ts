/** The small JSON record in each inbox that says who holds it. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { displayIdentity } from './identity-name';
import { OWNER_FILE } from './layout';

export interface OwnerRecord {
  /** Printable form of the identity (JSON string or 0x-hex). */
  identity: string;
  /** The identity's exact bytes, base64. */
  identityBase64: string;
  /** The directory name the identity maps to. */
  name: string;
  pid: number;
  /** The owner process's start time (liveness.ts `processStartTime`), when known: tells it from a later process with the same pid. */
  started?: string;
  /** ISO time the identity was claimed. */
  since: string;
  /** The client's address as `host:port`. */
  client: string;
}

export function makeOwnerRecord(
  identity: Uint8Array,
  name: string,
  pid: number,
  client: string,
  started: string | null = null,
): OwnerRecord {
  return {
    identity: displayIdentity(identity),
    identityBase64: Buffer.from(identity).toString('base64'),
    name,
    pid,
    ...(started !== null ? { started } : {}),
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
