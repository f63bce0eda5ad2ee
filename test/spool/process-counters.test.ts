/** Process counters (src/spool/process-counters.ts): counting sends and adding records together. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessCounters, addStats } from '../../src/spool/process-counters';

describe('process counters', () => {
  it('counts a queued send as sent, with its bytes, and any other outcome as a drop for that reason', () => {
    const c = new ProcessCounters();
    c.count('queued', 10);
    c.count('queued', 5);
    c.count('no-peer', 100);
    c.count('inbox-full', 100);
    c.count('inbox-full', 100);
    c.count('failed', 100);
    assert.equal(c.sent, 2);
    assert.equal(c.sentBytes, 15);
    assert.deepEqual(c.dropped, { 'no-peer': 1, 'inbox-full': 2, failed: 1, 'peer-left': 0, 'too-large': 0, 'bad-batch': 0 });
  });

  it('adds every counter field by field, and no gauge', () => {
    const into = new ProcessCounters();
    const from = new ProcessCounters();
    let n = 1;
    for (const key of Object.keys(from) as (keyof ProcessCounters)[]) {
      if (typeof from[key] === 'number') (from as unknown as Record<string, number>)[key] = n++;
    }
    from.dropped = { 'no-peer': 1, 'inbox-full': 2, failed: 3, 'peer-left': 4, 'too-large': 5, 'bad-batch': 6 };
    addStats(into, from);
    addStats(into, from);
    const gauges = new Set(['peers', 'inboxDepth']);
    for (const key of Object.keys(from) as (keyof ProcessCounters)[]) {
      if (typeof from[key] !== 'number') continue;
      const expected = gauges.has(key) ? 0 : 2 * (from[key] as number);
      assert.equal(into[key], expected, key);
    }
    assert.deepEqual(into.dropped, { 'no-peer': 2, 'inbox-full': 4, failed: 6, 'peer-left': 8, 'too-large': 10, 'bad-batch': 12 });
  });

  it('adds a record written by an older process that lacks some fields', () => {
    const into = new ProcessCounters();
    const old = { sent: 4, dropped: { 'no-peer': 1 } } as unknown as ProcessCounters;
    addStats(into, old);
    addStats(into, { sent: 1 } as unknown as ProcessCounters);
    assert.equal(into.sent, 5);
    assert.equal(into.delivered, 0);
    assert.deepEqual(into.dropped, { 'no-peer': 1, 'inbox-full': 0, failed: 0, 'peer-left': 0, 'too-large': 0, 'bad-batch': 0 });
  });
});
