/** A read-only view of a spool: who is in the gateway and what waits for them. */
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { listDir, sizeOf } from './fs-safe';
import { INBOXES, type SpoolLayout, TMP, isMessageEntry } from './layout';
import { inboxNode, processAlive } from './liveness';
import { type NodeBeat, heartbeatNodes, parseBeat } from './node-heartbeat';
import { readHeartbeat } from './heartbeat';
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
  /** The holder's node (docs/SPOOL.md §3.2). */
  node: string | null;
  pid: number | null;
  /** This node's holders: their process runs; another node's: that node is live. */
  alive: boolean;
  since: string | null;
  client: string | null;
  queuedFiles: number;
  queuedBytes: number;
  full: boolean;
}

/**
 * A node as its heartbeat shows it. `live` while the heartbeat was written within
 * its node's staleMs by this host's clock (for display only: hosts in NTP sync
 * agree; sweeps judge by seeing the heartbeat change instead), `stale` when older,
 * `gone` when a node holds entries but has no heartbeat.
 */
export interface NodeView {
  node: string;
  state: 'live' | 'stale' | 'gone';
  /** The node's server process, from its heartbeat. */
  pid: number | null;
  /** How old its heartbeat is by this host's clock, ms. */
  beatAgeMs: number | null;
}

export interface SpoolView {
  root: string;
  /** This host's node id, as this view was made with. */
  node: string;
  nodes: NodeView[];
  inboxes: InboxView[];
  /** Inbox directories not linked to any identity (being claimed, or being removed). */
  unlinkedInboxes: number;
  temporaryFiles: number;
}

export function viewSpool(layout: SpoolLayout, now: number = Date.now()): SpoolView {
  const nodes = new Map<string, NodeView>();
  for (const node of heartbeatNodes(layout)) nodes.set(node, nodeView(node, parseBeat(readHeartbeat(layout.nodeHeartbeat(node))), now));
  const nodeOf = (node: string): NodeView => {
    let view = nodes.get(node);
    if (view === undefined) {
      view = { node, state: 'gone', pid: null, beatAgeMs: null };
      nodes.set(node, view);
    }
    return view;
  };
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
    let bytes = 0;
    const entries = listDir(dir);
    for (const entry of entries) {
      if (!isMessageEntry(entry)) continue;
      files++;
      bytes += sizeOf(path.join(dir, entry)) ?? 0;
    }
    const node = inboxNode(dir, owner?.node);
    const local = node === null || node === layout.node;
    inboxes.push({
      name,
      identity: owner?.identity ?? '?',
      node,
      pid: owner?.pid ?? null,
      alive: owner ? (local ? processAlive(owner.pid, owner.start) : nodeOf(node).state === 'live') : false,
      since: owner?.since ?? null,
      client: owner?.client ?? null,
      queuedFiles: files,
      queuedBytes: bytes,
      full: entries.includes('.full'),
    });
  }
  const unlinkedInboxes = listDir(path.join(layout.root, INBOXES)).filter((c) => !linked.has(c)).length;
  let temporaryFiles = 0;
  for (const pid of listDir(path.join(layout.root, TMP))) temporaryFiles += listDir(path.join(layout.root, TMP, pid)).length;
  const nodeList = [...nodes.values()].sort((x, y) => (x.node < y.node ? -1 : x.node > y.node ? 1 : 0));
  return { root: layout.root, node: layout.node, nodes: nodeList, inboxes, unlinkedInboxes, temporaryFiles };
}

function nodeView(node: string, beat: NodeBeat | null, now: number): NodeView {
  if (beat === null) return { node, state: 'stale', pid: null, beatAgeMs: null };
  const age = now - beat.at;
  return { node, state: age < (beat.staleMs ?? 10_000) ? 'live' : 'stale', pid: beat.pid ?? null, beatAgeMs: age };
}
