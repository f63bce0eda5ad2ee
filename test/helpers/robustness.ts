/**
 * Measuring helpers for the robustness suites: self-checking messages, and what a
 * running server holds (session processes, descriptors, busy sessions), read from
 * /proc and from the spool's run records.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { GatewayPeer } from '../../src/client';
import type { ServerHandle } from './tfgw-server';

const DIGEST = 32;

/**
 * A message of exactly `size` bytes (at least 36) that carries its own checksum:
 * a 4-byte sequence number and random bytes, then the SHA-256 of both.
 */
export function sealedMessage(size: number, seq = 0): Buffer {
  const body = randomBytes(size - DIGEST);
  body.writeUInt32BE(seq >>> 0, 0);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** True when `m` is a whole message made by `sealedMessage` (any size). */
export function intact(m: Buffer): boolean {
  if (m.length < DIGEST + 4) return false;
  const body = m.subarray(0, m.length - DIGEST);
  return createHash('sha256').update(body).digest().equals(m.subarray(m.length - DIGEST));
}

export function seqOf(m: Buffer): number {
  return m.readUInt32BE(0);
}

/** Pids of the server's session processes (the listener's children). */
export function sessionPids(server: ServerHandle): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(server.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map(Number);
  } catch {
    // pgrep exits 1 when nothing matches.
    return [];
  }
}

/** Open descriptors of a process, or -1 when it is gone. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** A node id as the spool's names carry it (src/spool/names.ts), before `.<pid>`. */
const NODE = '[a-z0-9][a-z0-9_-]*';

interface RunRecordView {
  pid: number;
  state: string;
  client: string | null;
  stats?: { bytesIn?: number };
}

function runRecords(server: ServerHandle): RunRecordView[] {
  const dir = path.join(server.spool, '.run');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => new RegExp(`^${NODE}\\.\\d+\\.json$`).test(n));
  } catch {
    return [];
  }
  const out: RunRecordView[] = [];
  for (const name of names) {
    try {
      out.push(JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as RunRecordView);
    } catch {
      // Being replaced right now; the next poll sees it.
    }
  }
  return out;
}

/** The clients (`host:port`) that session processes report serving right now. */
export function busyClients(server: ServerHandle): string[] {
  return runRecords(server)
    .filter((r) => r.state === 'busy' && r.client !== null)
    .map((r) => r.client!);
}

/** The run record of the session process serving `client` (`host:port`), or null. */
export function recordServing(server: ServerHandle, client: string): RunRecordView | null {
  return runRecords(server).find((r) => r.client === client) ?? null;
}

/** Bytes session process `pid` has read from its clients so far, as its run record says (-1: no record). */
export function bytesReadBy(server: ServerHandle, pid: number): number {
  return runRecords(server).find((r) => r.pid === pid)?.stats?.bytesIn ?? -1;
}

/** Pids of the session processes waiting for a connection. */
export function idlePids(server: ServerHandle): number[] {
  return runRecords(server)
    .filter((r) => r.state === 'idle')
    .map((r) => r.pid);
}

/** The pid of the session process that holds `identity` (a plain identity), from its owner record. */
export function ownerPid(server: ServerHandle, identity: string): number {
  const owner = JSON.parse(readFileSync(path.join(server.spool, identity, 'owner.json'), 'utf8')) as { pid: number };
  return owner.pid;
}

/** Spool internals that belong to process `pid` (of any node): its inboxes, its temporary directory, its run record. */
export function leftoversOf(server: ServerHandle, pid: number): string[] {
  const mine = new RegExp(`^\\.(inboxes/${NODE}\\.${pid}-|tmp/${NODE}\\.${pid}$|run/${NODE}\\.${pid}\\.json$)`);
  return server.spoolInternals().filter((e) => mine.test(e));
}

/** The temporary directory of process `pid` (`.tmp/<node>.<pid>`), or null before it has one. */
export function tmpDirOf(server: ServerHandle, pid: number): string | null {
  const dir = server.spoolInternals().find((e) => new RegExp(`^\\.tmp/${NODE}\\.${pid}$`).test(e));
  return dir === undefined ? null : path.join(server.spool, dir);
}

/** A message `text` from `from` reaches `to` (and nothing else arrives first) within `ms`. */
export async function exchange(from: GatewayPeer, to: GatewayPeer, text: string, ms = 10_000): Promise<void> {
  await from.send(to.identity, text);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${JSON.stringify(text)} did not arrive within ${ms} ms`)), ms);
  });
  try {
    const [got] = await Promise.race([to.receive(1), timeout]);
    if (got?.toString() !== text) throw new Error(`expected ${JSON.stringify(text)}, got ${JSON.stringify(got?.toString())}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Text of the server's log lines about the client at local port `port`. */
export function logsOf(server: ServerHandle, port: number): string {
  const tag = `client=127.0.0.1:${port} `;
  return server
    .logs()
    .split('\n')
    .filter((l) => l.includes(tag) || l.endsWith(`client=127.0.0.1:${port}`))
    .join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
