/** Delivery by the writer's rules (src/spool/deliver.ts): each outcome, and what it leaves in the spool. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { deliverToSpool } from '../../src/spool/deliver';
import { FORMAT_FILE, ensureFormat } from '../../src/spool/format';
import { MAX_MESSAGE_BYTES } from '../../src/spool/inbox-file';
import { FULL_MARK, isMessageEntry } from '../../src/spool/layout';
import { parseMessageName } from '../../src/spool/message-name';
import { spoolPerTest } from './spool-fixture';

describe('deliver to the spool', () => {
  const t = spoolPerTest('tfgw-deliver-');
  beforeEach(() => ensureFormat(t().root));
  const queued = (dir: string) => readdirSync(dir).filter(isMessageEntry).sort();
  const staging = () => readdirSync(path.join(t().root, '.tmp'));

  it('queues the exact bytes in the holder\'s inbox under a tfgw name of this process, leaving no staging behind', async () => {
    const bob = await t().liveSession('bob');
    const message = Buffer.from([0, 1, 2, 255, 10]);
    const outcome = deliverToSpool(t().root, Buffer.from('bob'), message);
    assert.equal(outcome.status, 'queued');
    const [file] = queued(bob.dir);
    assert.deepEqual(outcome, { status: 'queued', name: 'bob', file });
    assert.deepEqual(readFileSync(path.join(bob.dir, file!)), message);
    const parts = parseMessageName(file!);
    assert.equal(parts.pattern === 'tfgw' && parts.pid, process.pid);
    assert.deepEqual(staging(), [], 'its .tmp/<pid>/ is removed again');
  });

  it('reaches identities whose spool name is encoded', async () => {
    const odd = await t().liveSession('with space/and slash');
    const outcome = deliverToSpool(t().root, Buffer.from('with space/and slash'), Buffer.from('x'));
    assert.equal(outcome.status, 'queued');
    assert.match(outcome.name, /^~b\./);
    assert.equal(queued(odd.dir).length, 1);
  });

  it('writes nothing for an absent identity, a full inbox or a message over 524288 bytes', async () => {
    assert.deepEqual(deliverToSpool(t().root, Buffer.from('nobody'), Buffer.from('x')), { status: 'absent', name: 'nobody' });
    assert.deepEqual(readdirSync(t().root).filter((n) => !n.startsWith('.')), [], 'no file made where the link would be');
    const bob = await t().liveSession('bob');
    writeFileSync(path.join(bob.dir, FULL_MARK), '');
    assert.deepEqual(deliverToSpool(t().root, Buffer.from('bob'), Buffer.from('x')), { status: 'full', name: 'bob' });
    rmSync(path.join(bob.dir, FULL_MARK));
    const big = Buffer.alloc(MAX_MESSAGE_BYTES + 1);
    assert.deepEqual(deliverToSpool(t().root, Buffer.from('bob'), big), { status: 'too-large', name: 'bob', size: MAX_MESSAGE_BYTES + 1 });
    assert.deepEqual(queued(bob.dir), []);
    assert.equal(deliverToSpool(t().root, Buffer.from('bob'), Buffer.alloc(MAX_MESSAGE_BYTES)).status, 'queued', 'the largest message fits');
    assert.deepEqual(staging(), []);
  });

  it('says the identity left when its inbox is gone behind a link that is still there', async () => {
    const bob = await t().liveSession('bob');
    // The link resolves at the check; the inbox is renamed away (a release) before the write.
    rmSync(bob.dir, { recursive: true, force: true });
    const outcome = deliverToSpool(t().root, Buffer.from('bob'), Buffer.from('x'));
    assert.equal(outcome.status, 'absent', 'a link that dangles is no holder');
  });

  it('refuses a spool without .format or of another major version, before writing anything', async () => {
    const bob = await t().liveSession('bob');
    rmSync(path.join(t().root, FORMAT_FILE));
    assert.throws(() => deliverToSpool(t().root, Buffer.from('bob'), Buffer.from('x')), /has no \.format/);
    writeFileSync(path.join(t().root, FORMAT_FILE), 'tfgw-spool 3.0\n');
    assert.throws(() => deliverToSpool(t().root, Buffer.from('bob'), Buffer.from('x')), /has format 3\.0/);
    assert.deepEqual(queued(bob.dir), []);
  });
});
