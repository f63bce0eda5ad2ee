/** The spool layout (src/spool/layout.ts): every path and name, and their inverses. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SpoolLayout } from '../../src/spool/layout';
import { claimName } from '../../src/spool/names';

const layout = new SpoolLayout('/srv/spool', 'gw1');

describe('spool layout', () => {
  it('puts identity links at the root and everything else in hidden directories', () => {
    assert.equal(layout.link('alice'), '/srv/spool/alice');
    assert.equal(layout.inbox('12-abc-3'), '/srv/spool/.inboxes/12-abc-3');
    assert.equal(layout.identityLock('alice'), '/srv/spool/.locks/alice.lock');
    assert.equal(layout.tmpDir(42), '/srv/spool/.tmp/gw1.42');
    assert.equal(layout.tmpDir(42, 'gw2'), '/srv/spool/.tmp/gw2.42');
    assert.equal(layout.runFile(42), '/srv/spool/.run/gw1.42.json');
    assert.equal(layout.nodeHeartbeat(), '/srv/spool/.nodes/gw1');
    assert.deepEqual(
      layout.dirs().map((d) => path.basename(d)),
      ['.inboxes', '.locks', '.tmp', '.run', '.nodes'],
    );
  });

  it('turns a claim into a link target and back, relative to the root', () => {
    const claim = claimName('gw1', 4321, 7);
    const target = layout.linkTarget(claim);
    assert.equal(path.resolve(layout.root, target), layout.inbox(claim), 'the target resolves to the inbox');
    assert.equal(layout.claimOfTarget(target), claim);
  });

  it('recognises no foreign link target as a claim', () => {
    for (const target of ['../elsewhere', '/srv/spool/.inboxes/1-a-1', '.inboxes/', '.inboxes/../../etc', '.inboxes/x', 'inboxes/1-a-1', '.inboxes/1-a-1/sub']) {
      assert.equal(layout.claimOfTarget(target), null, target);
    }
  });
});
