/** The spool layout (src/spool/layout.ts): every path and name, and their inverses. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SpoolLayout, claimName, isClaimName, pidOfClaim } from '../../src/spool/layout';

const layout = new SpoolLayout('/srv/spool');

describe('spool layout', () => {
  it('puts identity links at the root and everything else in hidden directories', () => {
    assert.equal(layout.link('alice'), '/srv/spool/alice');
    assert.equal(layout.inbox('12-abc-3'), '/srv/spool/.inboxes/12-abc-3');
    assert.equal(layout.identityLock('alice'), '/srv/spool/.locks/alice.lock');
    assert.equal(layout.tmpDir(42), '/srv/spool/.tmp/42');
    assert.equal(layout.runFile(42), '/srv/spool/.run/42.json');
    assert.deepEqual(
      layout.dirs().map((d) => path.basename(d)),
      ['.inboxes', '.locks', '.tmp', '.run'],
    );
  });

  it('turns a claim into a link target and back, relative to the root', () => {
    const claim = claimName(4321, 7);
    const target = layout.linkTarget(claim);
    assert.equal(path.resolve(layout.root, target), layout.inbox(claim), 'the target resolves to the inbox');
    assert.equal(layout.claimOfTarget(target), claim);
  });

  it('recognises no foreign link target as a claim', () => {
    for (const target of ['../elsewhere', '/srv/spool/.inboxes/1-a-1', '.inboxes/', '.inboxes/../../etc', '.inboxes/x', 'inboxes/1-a-1', '.inboxes/1-a-1/sub']) {
      assert.equal(layout.claimOfTarget(target), null, target);
    }
  });

  it('names claims uniquely by pid and counter, and reads the pid back', () => {
    const a = claimName(4321, 1);
    const b = claimName(4321, 2);
    assert.notEqual(a, b);
    assert.ok(isClaimName(a) && isClaimName(b));
    assert.equal(pidOfClaim(a), 4321);
    for (const name of ['', 'abc', '12-', '12-abc', '12-ABC-1', '-abc-1', '12-abc-1 ', 'x12-abc-1']) assert.equal(isClaimName(name), false, name);
  });
});
