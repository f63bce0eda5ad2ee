import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Logger } from '../../src/log/logger';
import { relayToOutbox } from '../../src/session/relay';
import { Spool } from '../../src/spool';
import { ProcessCounters } from '../../src/spool/process-counters';

describe('relay to the outbox', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-relay-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('queues for a present peer, counts a drop for an absent one and logs it at debug level', async () => {
    const spool = new Spool({ root, staleMs: 10_000 });
    spool.init();
    const claim = await spool.ownership.prepare(Buffer.from('here'), 'c', () => {});
    await spool.ownership.publish(claim, 'takeover');
    const counters = new ProcessCounters();
    const lines: string[] = [];
    const relay = relayToOutbox(spool.outbox, counters, new Logger('debug', 'text', 't', (l) => lines.push(l)), 'c:1');
    relay(Buffer.from('here'), Buffer.from('hello'));
    relay(Buffer.from('gone'), Buffer.from('lost'));
    assert.deepEqual([counters.sent, counters.sentBytes, counters.dropped['no-peer']], [1, 5, 1]);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /message dropped client=c:1 to=gone reason=no-peer/);
    assert.equal(await spool.ownership.release(claim), 1, 'the message is in the inbox');
  });
});
