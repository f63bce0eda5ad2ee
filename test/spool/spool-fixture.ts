/**
 * A spool in a temporary directory for the spool's module tests, with sessions
 * made the way a session process makes them (Ownership: inbox, owner record,
 * lock, identity link) but without starting any process: a live session belongs
 * to the test process itself, a dead one to a pid that no process has.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { Spool } from '../../src/spool';
import { messageName } from '../../src/spool/names';
import { pidAlive } from '../../src/spool/liveness';
import { type Claim, Ownership } from '../../src/spool/ownership';

export const STALE_MS = 10_000;

/** A pid no process has right now (searched from the top of the usual pid range). */
export function deadPid(): number {
  for (let pid = 32_700; pid > 1000; pid--) if (!pidAlive(pid)) return pid;
  throw new Error('no free pid found');
}

export class TempSpool {
  readonly root: string;
  readonly spool: Spool;
  private readonly claims: Claim[] = [];
  private seq = 0;

  constructor(prefix = 'tfgw-spool-') {
    this.root = mkdtempSync(path.join(tmpdir(), prefix));
    this.spool = new Spool({ root: this.root, staleMs: STALE_MS });
    this.spool.init();
  }

  get layout() {
    return this.spool.layout;
  }

  /** A session of this process holding `identity`, its lock kept fresh until `dispose`. */
  async liveSession(identity: string): Promise<Claim> {
    const claim = await this.spool.ownership.prepare(Buffer.from(identity), '127.0.0.1:1', () => undefined);
    this.claims.push(claim);
    await this.spool.ownership.publish(claim, 'takeover');
    return claim;
  }

  /** A session of the dead process `pid` that held `identity` (published, its lock left behind). */
  async deadSession(identity: string, pid: number): Promise<Claim> {
    const ownership = new Ownership(this.layout, { staleMs: STALE_MS, pid });
    const claim = await ownership.prepare(Buffer.from(identity), '127.0.0.1:2', () => undefined);
    this.claims.push(claim);
    await ownership.publish(claim, 'takeover');
    return claim;
  }

  /** Puts a message file of `text` into an inbox directory, as a sender's rename would. */
  putMessage(inboxDir: string, text: string, pid = 4242): string {
    const name = messageName(Date.now(), 'writer', pid, ++this.seq);
    writeFileSync(path.join(inboxDir, name), text);
    return name;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.claims.map((c) => c.unlock().catch(() => undefined)));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A fresh spool for each test of the suite that calls this (disposed after each). */
export function spoolPerTest(prefix: string): () => TempSpool {
  let current: TempSpool | null = null;
  beforeEach(() => {
    current = new TempSpool(prefix);
  });
  afterEach(() => current?.dispose());
  return () => {
    if (current === null) throw new Error('no spool outside a test');
    return current;
  };
}
