import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Logger } from '../../src/log/logger';
import { OutboxRelay } from '../../src/session/relay';
import { Spool } from '../../src/spool';
import { MAX_BATCH_MESSAGES, decodeBatch, isBatchName } from '../../src/spool/batch';
import { isMessageEntry } from '../../src/spool/layout';
import { ProcessCounters } from '../../src/spool/process-counters';

describe('relay to the outbox', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-relay-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const spool = new Spool({ root, staleMs: 10_000 });
  spool.init();

  async function rig(identity: string) {
    const claim = await spool.ownership.prepare(Buffer.from(identity), 'c', () => {});
    await spool.ownership.publish(claim, 'takeover');
    const counters = new ProcessCounters();
    const lines: string[] = [];
    const relay = new OutboxRelay(spool.outbox, counters, new Logger('debug', 'text', 't', (l) => lines.push(l)), 'c:1');
    const files = () => readdirSync(claim.dir).filter(isMessageEntry).sort();
    /** Each file's messages, in name order: a plain file is one message. */
    const contents = () =>
      files().map((f) => {
        const bytes = readFileSync(path.join(claim.dir, f));
        if (!isBatchName(f)) return [bytes.toString()];
        const decoded = decodeBatch(bytes);
        assert.ok('messages' in decoded, `${f} decodes`);
        return decoded.messages.map((m) => m.toString());
      });
    return { claim, counters, lines, relay, files, contents };
  }

  it('queues for a present peer, counts a drop for an absent one and logs it at debug level', async () => {
    const { claim, counters, lines, relay } = await rig('here');
    relay.relay(Buffer.from('here'), Buffer.from('hello'));
    relay.relay(Buffer.from('gone'), Buffer.from('lost'));
    relay.flush();
    assert.deepEqual([counters.sent, counters.sentBytes, counters.dropped['no-peer'], counters.batchesSent], [1, 5, 1, 0]);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /message dropped client=c:1 to=gone reason=no-peer/);
    assert.equal(await spool.ownership.release(claim), 1, 'the message is in the inbox');
  });

  it('writes what one read brings for one destination as one batch file, in order, once the read is parsed', async () => {
    const { claim, counters, relay, files, contents } = await rig('batched');
    for (let i = 0; i < 5; i++) relay.relay(Buffer.from('batched'), Buffer.from(`m${i}`));
    assert.deepEqual(files(), [], 'nothing is written while the read is being parsed');
    await Promise.resolve();
    assert.equal(files().length, 1);
    assert.ok(isBatchName(files()[0]!));
    assert.deepEqual(contents(), [['m0', 'm1', 'm2', 'm3', 'm4']]);
    relay.relay(Buffer.from('batched'), Buffer.from('alone'));
    relay.flush();
    assert.deepEqual(contents(), [['m0', 'm1', 'm2', 'm3', 'm4'], ['alone']], 'a lone message is a plain file, sorted after');
    assert.deepEqual([counters.sent, counters.batchesSent], [6, 1]);
    await spool.ownership.release(claim);
  });

  it('starts a new file when a batch would exceed its message count or size', async () => {
    const { claim, counters, relay, contents } = await rig('capped');
    const to = Buffer.from('capped');
    for (let i = 0; i < MAX_BATCH_MESSAGES + 3; i++) relay.relay(to, Buffer.from(String(i)));
    const big = Buffer.alloc(300 * 1024, 0x61);
    relay.relay(to, big);
    relay.relay(to, big);
    relay.flush();
    const got = contents();
    assert.deepEqual(
      got.map((f) => f.length),
      [MAX_BATCH_MESSAGES, 4, 1],
      'the count cap ends the first file, the size cap the second; the last 300 KiB message is alone',
    );
    assert.deepEqual(got.flat().slice(0, MAX_BATCH_MESSAGES + 3), Array.from({ length: MAX_BATCH_MESSAGES + 3 }, (_, i) => String(i)));
    assert.equal(counters.sent, MAX_BATCH_MESSAGES + 5);
    await spool.ownership.release(claim);
  });
});
