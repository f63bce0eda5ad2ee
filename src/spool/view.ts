/** A read-only view of a spool: who is in the gateway and what waits for them. */
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { isBatchName } from './batch';
import { countBatch } from './batch-file';
import { listDir, sizeOf } from './fs-safe';
import { INBOXES, type SpoolLayout, TMP, isMessageEntry } from './layout';
import { pidAlive } from './liveness';
import { readOwnerRecord } from './owner-record';

/**
 * The identity links in the spool root: every name there not starting with a dot.
 * (Everything else the spool holds is hidden, so this is who is in the gateway.)
 */
export function identityLinks(layout: SpoolLayout): string[] {
  return listDir(layout.root).filter((n) => !n.startsWith('.'));
}

export interface InboxView {
  name: string;
  identity: string;
  pid: number | null;
  alive: boolean;
  since: string | null;
  client: string | null;
  /** Message files, batch files among them (docs/SPOOL.md §7.6). */
  queuedFiles: number;
  /** Messages in them: a batch file counts the messages it holds, a garbled one none (the reader drops it). */
  queuedMessages: number;
  batchFiles: number;
  queuedBytes: number;
  full: boolean;
}

export interface SpoolView {
  root: string;
  inboxes: InboxView[];
  /** Inbox directories not linked to any identity (being claimed, or being removed). */
  unlinkedInboxes: number;
  temporaryFiles: number;
}

export function viewSpool(layout: SpoolLayout): SpoolView {
  const inboxes: InboxView[] = [];
  const linked = new Set<string>();
  for (const name of identityLinks(layout).sort()) {
    let claim: string | null = null;
    try {
      claim = layout.claimOfTarget(readlinkSync(layout.link(name)));
    } catch {
      claim = null;
    }
    if (claim === null) continue;
    linked.add(claim);
    const dir = layout.inbox(claim);
    const owner = readOwnerRecord(dir);
    let files = 0;
    let messages = 0;
    let batches = 0;
    let bytes = 0;
    const entries = listDir(dir);
    for (const entry of entries) {
      if (!isMessageEntry(entry)) continue;
      files++;
      bytes += sizeOf(path.join(dir, entry)) ?? 0;
      if (!isBatchName(entry)) {
        messages++;
        continue;
      }
      batches++;
      messages += countBatch(path.join(dir, entry)) ?? 0;
    }
    inboxes.push({
      name,
      identity: owner?.identity ?? '?',
      pid: owner?.pid ?? null,
      alive: owner ? pidAlive(owner.pid) : false,
      since: owner?.since ?? null,
      client: owner?.client ?? null,
      queuedFiles: files,
      queuedMessages: messages,
      batchFiles: batches,
      queuedBytes: bytes,
      full: entries.includes('.full'),
    });
  }
  const unlinkedInboxes = listDir(path.join(layout.root, INBOXES)).filter((c) => !linked.has(c)).length;
  let temporaryFiles = 0;
  for (const pid of listDir(path.join(layout.root, TMP))) temporaryFiles += listDir(path.join(layout.root, TMP, pid)).length;
  return { root: layout.root, inboxes, unlinkedInboxes, temporaryFiles };
}
