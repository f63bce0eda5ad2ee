/** The spool view (src/spool/view.ts): what `tfgw spool` and the metrics read. */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeBatch } from '../../src/spool/batch';
import { FULL_MARK } from '../../src/spool/layout';
import { identityLinks, viewSpool } from '../../src/spool/view';
import { deadPid, spoolPerTest } from './spool-fixture';

describe('spool view', () => {
  const t = spoolPerTest('tfgw-view-');

  it('lists the identities in the gateway, not the hidden entries', async () => {
    await t().liveSession('bob');
    await t().liveSession('alice');
    assert.deepEqual(identityLinks(t().layout).sort(), ['alice', 'bob']);
  });

  it('lists each identity with its owner, queued messages, full mark and liveness, sorted by name', async () => {
    const bob = await t().liveSession('bob');
    const dead = deadPid();
    await t().deadSession('alice', dead);
    t().putMessage(bob.dir, '12345');
    t().putMessage(bob.dir, '123');
    // Not messages: neither counted nor sized.
    writeFileSync(path.join(bob.dir, 'notes.txt'), 'any name'); // a message too (SPOOL.md §8.1)
    writeFileSync(path.join(bob.dir, FULL_MARK), '');

    const view = viewSpool(t().layout);

    assert.equal(view.root, t().root);
    assert.deepEqual(
      view.inboxes.map((i) => [i.name, i.identity, i.alive, i.queuedFiles, i.queuedBytes, i.full]),
      [
        ['alice', 'alice', false, 0, 0, false],
        ['bob', 'bob', true, 3, 16, true],
      ],
    );
    const bobView = view.inboxes[1];
    assert.equal(bobView.pid, process.pid);
    assert.equal(bobView.client, '127.0.0.1:1');
    assert.ok(bobView.since !== null && !Number.isNaN(Date.parse(bobView.since)));
    assert.equal(view.inboxes[0].pid, dead);
  });

  it('counts the messages in batch files, and none in a batch file that does not decode', async () => {
    const bob = await t().liveSession('bob');
    t().putMessage(bob.dir, 'plain');
    writeFileSync(path.join(bob.dir, '1.batch'), encodeBatch(['a', 'b', 'c'].map((x) => Buffer.from(x))));
    writeFileSync(path.join(bob.dir, '2.batch'), 'tfgw-batch 2\n\x00\x00\x00\x01a');
    const [view] = viewSpool(t().layout).inboxes;
    assert.deepEqual([view!.queuedFiles, view!.batchFiles, view!.queuedMessages], [3, 2, 4]);
  });

  it('counts inboxes no identity links to, and files in transit under .tmp', async () => {
    const carol = await t().liveSession('carol');
    rmSync(t().layout.link('carol'));
    mkdirSync(t().layout.tmpDir(111), { recursive: true });
    writeFileSync(path.join(t().layout.tmpDir(111), 'a'), 'x');
    writeFileSync(path.join(t().layout.tmpDir(111), 'b'), 'x');
    mkdirSync(t().layout.tmpDir(222), { recursive: true });
    writeFileSync(path.join(t().layout.tmpDir(222), 'c'), 'x');

    const view = viewSpool(t().layout);

    assert.deepEqual(view.inboxes, []);
    assert.equal(view.unlinkedInboxes, 1, `${carol.claim} is not linked`);
    // Carol's publish staged its link under this process's .tmp directory, which is empty now.
    assert.equal(view.temporaryFiles, 3);
  });

  it('skips a link whose target is not an inbox', () => {
    writeFileSync(path.join(t().root, 'plainfile'), 'x');
    assert.deepEqual(viewSpool(t().layout).inboxes, []);
  });
});
