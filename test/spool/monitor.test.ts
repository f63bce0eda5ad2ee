/** Following a spool (src/spool/monitor.ts): joins, leaves, takeovers, messages queued and delivered. */
import assert from 'node:assert/strict';
import { renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { type SpoolEvent, SpoolMonitor } from '../../src/spool/monitor';
import { maildirName } from '../../src/spool/message-name';
import { spoolPerTest } from './spool-fixture';

/** A generous deadline for something that happens at all. */
const DEADLINE_MS = 10_000;

describe('spool monitor', () => {
  const t = spoolPerTest('tfgw-monitor-');
  let monitor: SpoolMonitor | null = null;
  let events: SpoolEvent[] = [];
  afterEach(async () => {
    await monitor?.close();
    monitor = null;
    events = [];
  });

  async function startMonitor(resyncMs = 1000): Promise<void> {
    monitor = new SpoolMonitor(t().layout, (e) => events.push(e), { resyncMs });
    await monitor.start();
  }

  /** Waits until an event matching `match` has come; returns it. */
  async function seen(match: (e: SpoolEvent) => boolean, what: string): Promise<SpoolEvent> {
    const until = Date.now() + DEADLINE_MS;
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      if (Date.now() > until) assert.fail(`no ${what} event; got ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const summary = (e: SpoolEvent) => ('file' in e ? `${e.event} ${e.name} ${e.file} ${e.size}` : `${e.event} ${e.name}`);

  it('reports who is present and what is queued at start, then joins, arrivals and removals', async () => {
    const alice = await t().liveSession('alice');
    const waiting = t().putMessage(alice.dir, 'queued before', 77);
    await startMonitor();
    assert.deepEqual(events.map(summary), ['present alice', `queued alice ${waiting} 13`]);
    assert.deepEqual(events[0], { event: 'present', name: 'alice', identity: 'alice', pid: process.pid, claim: alice.claim });

    const bob = await t().liveSession('bob');
    await seen((e) => e.event === 'join' && e.name === 'bob', 'join');
    const file = maildirName(Date.now(), 4711, 1, 'host');
    writeFileSync(path.join(bob.dir, file), 'four');
    const queued = await seen((e) => e.event === 'queued' && e.name === 'bob', 'queued');
    assert.deepEqual(queued, { event: 'queued', name: 'bob', file, size: 4, writer: 'pid 4711 on host' });
    unlinkSync(path.join(bob.dir, file));
    const delivered = await seen((e) => e.event === 'delivered' && e.name === 'bob', 'delivered');
    assert.deepEqual(delivered, { ...queued, event: 'delivered' });
  });

  it('reports a message taken before it could be looked at as queued and delivered, once', async () => {
    const bob = await t().liveSession('bob');
    await startMonitor();
    const file = path.join(bob.dir, 'quick');
    writeFileSync(file, 'x');
    unlinkSync(file);
    await seen((e) => e.event === 'delivered', 'delivered');
    // Give late notifications (and one resync) time to be mistaken for a second message.
    await new Promise((r) => setTimeout(r, 1200));
    const lines = events.map(summary);
    assert.equal(lines.filter((l) => l.startsWith('delivered bob quick')).length, 1, lines.join('; '));
    assert.equal(lines.filter((l) => l.startsWith('queued bob quick')).length, 1, lines.join('; '));
  });

  it('reports a leave when the link goes, and a takeover as a leave and a join', async () => {
    const bob = await t().liveSession('bob');
    await startMonitor();
    const newer = await t().liveSession('bob');
    await seen((e) => e.event === 'join' && 'claim' in e && e.claim === newer.claim, 'join of the newer claim');
    const leave = events.find((e) => e.event === 'leave');
    assert.ok(leave && 'claim' in leave && leave.claim === bob.claim, JSON.stringify(events));
    rmSync(t().layout.link('bob'));
    await seen((e) => e.event === 'leave' && 'claim' in e && e.claim === newer.claim, 'leave of the newer claim');
    // Nothing is reported of an inbox nobody links to any more.
    writeFileSync(path.join(newer.dir, 'after'), 'x');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(events.filter((e) => 'file' in e).length, 0, JSON.stringify(events));
  });

  it('catches by its periodic listing what no notification reported', async () => {
    const bob = await t().liveSession('bob');
    // Polling reports arrivals only: removals are the listing's to find.
    monitor = new SpoolMonitor(t().layout, (e) => events.push(e), { resyncMs: 300, watch: { mode: 'poll', pollIntervalMs: 100 } });
    await monitor.start();
    writeFileSync(path.join(bob.dir, '.staged'), 'x');
    renameSync(path.join(bob.dir, '.staged'), path.join(bob.dir, 'late'));
    await seen((e) => e.event === 'queued', 'queued');
    unlinkSync(path.join(bob.dir, 'late'));
    await seen((e) => e.event === 'delivered', 'delivered');
    rmSync(t().layout.link('bob'));
    await seen((e) => e.event === 'leave', 'leave');
  });
});
