/**
 * Every name tfgw makes in the spool that says which process made it, built and
 * read back in one place (docs/SPOOL.md §3.2, §3.3). Since several hosts may share
 * one spool, a process is known by its node id and its pid together: a pid alone
 * means nothing on another host, and two hosts' pids collide.
 *
 *   node id          [a-z0-9][a-z0-9_-]{0,62}      no dot, so a dot can end it
 *   process key      <node>.<pid>                   .tmp/<key>/, .run/<key>.json
 *   claim            <node>.<pid>-<base36 ms>-<n>   .inboxes/<claim>/
 *   message          <ms13>-<pid7>-<seq10>.<node>[<suffix>]
 *
 * A message name starts with the time so that every writer's messages sort by time,
 * and a writer's own in send order; the node comes after the sequence number. Its
 * optional suffix starts with a dot and is not part of the base name, so a suffix
 * (a kind of file, say) never changes how the base is read.
 */
import { hostname } from 'node:os';

const NODE = '[a-z0-9][a-z0-9_-]{0,62}';
const NODE_ID = new RegExp(`^${NODE}$`);
const PROCESS_KEY = new RegExp(`^(${NODE})\\.([1-9]\\d{0,9})$`);
const CLAIM = new RegExp(`^(${NODE})\\.([1-9]\\d{0,9})-[0-9a-z]+-[1-9]\\d*$`);
const MESSAGE = new RegExp(`^(\\d{13})-(\\d{7})-(\\d{10})\\.(${NODE})((?:\\.[^/]*)?)$`);
const RUN_FILE = new RegExp(`^\\.?(${NODE}\\.[1-9]\\d{0,9})\\.json(?:\\.tmp)?$`);

export const MAX_NODE_ID = 63;

/** A process somewhere in the system sharing the spool. */
export interface ProcessRef {
  node: string;
  pid: number;
}

export function isNodeId(text: string): boolean {
  return NODE_ID.test(text);
}

/**
 * A host name made into a node id: lower case, every character outside the
 * grammar (dots included) turned into `-`, cut to 63 characters; `node` when
 * nothing usable is left.
 */
export function nodeIdFromHost(host: string): string {
  const safe = host
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, MAX_NODE_ID);
  return isNodeId(safe) ? safe : 'node';
}

/** This host's default node id. */
export function localNodeId(): string {
  return nodeIdFromHost(hostname());
}

/** `<node>.<pid>`: a process's staging directory name, and its run record's base. */
export function processKey(node: string, pid: number): string {
  return `${node}.${pid}`;
}

export function parseProcessKey(key: string): ProcessRef | null {
  const match = PROCESS_KEY.exec(key);
  return match ? { node: match[1]!, pid: Number(match[2]) } : null;
}

/** The run record's file name of a process. */
export function runFileName(node: string, pid: number): string {
  return `${processKey(node, pid)}.json`;
}

/** The process of a `.run/` entry: `<key>.json`, or `.<key>.json.tmp` while it is rewritten. */
export function parseRunFileName(entry: string): ProcessRef | null {
  const match = RUN_FILE.exec(entry);
  return match ? parseProcessKey(match[1]!) : null;
}

/** Claim names are `<node>.<pid>-<base36 time>-<counter>`: unique, and reapable by node and pid. */
export function claimName(node: string, pid: number, counter: number, now: number = Date.now()): string {
  return `${processKey(node, pid)}-${now.toString(36)}-${counter}`;
}

export function parseClaim(claim: string): ProcessRef | null {
  const match = CLAIM.exec(claim);
  return match ? { node: match[1]!, pid: Number(match[2]) } : null;
}

export function isClaimName(name: string): boolean {
  return CLAIM.test(name);
}

export interface MessageNameParts extends ProcessRef {
  ms: number;
  seq: number;
  /** What follows the base name: empty, or a dot and more. */
  suffix: string;
}

/**
 * tfgw's message names: 13-digit milliseconds (never decreasing within a process),
 * 7-digit pid, 10-digit per-process sequence number, then the node and any suffix.
 */
export function messageName(ms: number, node: string, pid: number, seq: number, suffix = ''): string {
  return `${String(ms).padStart(13, '0')}-${String(pid).padStart(7, '0')}-${String(seq).padStart(10, '0')}.${node}${suffix}`;
}

/** The parts of a name `messageName` made, or null for any other name (another writer's). */
export function parseMessageName(name: string): MessageNameParts | null {
  if (name.length > 255) return null;
  const match = MESSAGE.exec(name);
  if (!match) return null;
  return { ms: Number(match[1]), pid: Number(match[2]), seq: Number(match[3]), node: match[4]!, suffix: match[5]! };
}

export function isMessageName(name: string): boolean {
  return parseMessageName(name) !== null;
}

/** What a session writes into `.evicted` of the inbox it takes over: who took it. */
export function evictedBy(node: string, pid: number): string {
  return `${processKey(node, pid)}\n`;
}
