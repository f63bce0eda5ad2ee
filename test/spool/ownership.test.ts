import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Spool } from '../../src/spool';
import { EVICTED_MARK, INBOXES } from '../../src/spool/layout';
import { messageName } from '../../src/spool/names';
import { pidAlive } from '../../src/spool/liveness';
import { readOwnerRecord } from '../../src/spool/owner-record';
import { type Claim, INBOX_LOCK_REFRESH_MS, Ownership, inboxLockStaleMs } from '../../src/spool/ownership';

/** A pid no process has here, so that claims made under it count as dead. */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid++) if (!pidAlive(pid)) return pid;
}

describe('ownership of gateway identities', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-ownership-'));
  const claims: Claim[] = [];
  after(async () => {
    await Promise.all(claims.map((c) => c.unlock().catch(() => {})));
    rmSync(root, { recursive: true, force: true });
  });
  let n = 0;

  function rig() {
    const spool = new Spool({ root: path.join(root, `spool-${++n}`), staleMs: 10_000 });
    spool.init();
    const ownership = spool.ownership;
    const prepare = async (identity: string, by = ownership) => {
      const claim = await by.prepare(Buffer.from(identity), '127.0.0.1:1', () => {});
      claims.push(claim);
      return claim;
    };
    const inboxes = () => readdirSync(path.join(spool.layout.root, INBOXES)).sort();
    return { spool, ownership, prepare, inboxes };
  }

  it('refreshes the inbox lock rarely when liveness goes by pid and start time, every staleMs / 3 when not', () => {
    assert.equal(inboxLockStaleMs(10_000, true), 3 * INBOX_LOCK_REFRESH_MS);
    assert.equal(inboxLockStaleMs(600_000, true), 600_000, 'never below staleMs');
    assert.equal(inboxLockStaleMs(10_000, false), 10_000);
  });

  it('prepares an unpublished inbox with its owner record, and publishing links the identity to it', async () => {
    const { spool, ownership, prepare, inboxes } = rig();
    const claim = await prepare('alice');
    assert.deepEqual(inboxes(), [claim.claim]);
    assert.equal(readOwnerRecord(claim.dir)?.pid, process.pid);
    assert.equal(readOwnerRecord(claim.dir)?.client, '127.0.0.1:1');
    assert.equal(ownership.currentClaim(claim.name), null, 'not published yet');
    assert.equal(await ownership.publish(claim, 'refuse'), 'published');
    assert.equal(ownership.currentClaim(claim.name), claim.claim);
    assert.equal(readlinkSync(spool.layout.link(claim.name)), spool.layout.linkTarget(claim.claim));
  });

  it('takes a live identity over: the old inbox is marked evicted and stays until its owner releases it', async () => {
    const { ownership, prepare, inboxes } = rig();
    const old = await prepare('bob');
    await ownership.publish(old, 'takeover');
    const newer = await prepare('bob');
    assert.equal(await ownership.publish(newer, 'takeover'), 'published');
    assert.equal(ownership.currentClaim(newer.name), newer.claim);
    assert.ok(existsSync(path.join(old.dir, EVICTED_MARK)));
    assert.ok(!existsSync(path.join(newer.dir, EVICTED_MARK)));
    assert.equal(await ownership.release(old), 0);
    assert.equal(ownership.currentClaim(newer.name), newer.claim, "the old owner's release leaves the new link alone");
    assert.deepEqual(inboxes(), [newer.claim]);
  });

  it('refuses a live identity under the refuse policy and changes nothing', async () => {
    const { ownership, prepare } = rig();
    const first = await prepare('carol');
    await ownership.publish(first, 'refuse');
    const second = await prepare('carol');
    assert.equal(await ownership.publish(second, 'refuse'), 'refused');
    assert.equal(ownership.currentClaim(first.name), first.claim);
    assert.ok(!existsSync(path.join(first.dir, EVICTED_MARK)));
  });

  it('cleans an identity held by a dead session and takes it, even under the refuse policy', async () => {
    const { spool, prepare, inboxes } = rig();
    const dead = new Ownership(spool.layout, { staleMs: 10_000, pid: deadPid() });
    const gone = await prepare('dave', dead);
    await dead.publish(gone, 'refuse');
    const claim = await prepare('dave');
    assert.equal(await spool.ownership.publish(claim, 'refuse'), 'published');
    assert.equal(spool.ownership.currentClaim(claim.name), claim.claim);
    assert.deepEqual(inboxes(), [claim.claim], 'the dead inbox is gone');
  });

  it('release gives the identity up, removes the inbox, counts what was undelivered, and is idempotent', async () => {
    const { spool, ownership, prepare, inboxes } = rig();
    const claim = await prepare('erin');
    await ownership.publish(claim, 'refuse');
    writeFileSync(path.join(claim.dir, messageName(Date.now(), 'writer', 1, 1)), 'one');
    writeFileSync(path.join(claim.dir, messageName(Date.now(), 'writer', 1, 2)), 'two');
    assert.equal(await ownership.release(claim), 2);
    assert.equal(ownership.currentClaim(claim.name), null);
    assert.ok(!existsSync(spool.layout.link(claim.name)));
    assert.deepEqual(inboxes(), []);
    assert.equal(await ownership.release(claim), 0, 'a second release finds nothing');
  });

  it('releases on behalf of a dead owner', async () => {
    const { ownership, prepare, inboxes } = rig();
    const claim = await prepare('frank');
    await ownership.publish(claim, 'refuse');
    writeFileSync(path.join(claim.dir, messageName(Date.now(), 'writer', 1, 1)), 'one');
    assert.equal(await ownership.releaseDead(claim.name, claim.claim), 1);
    assert.equal(ownership.currentClaim(claim.name), null);
    assert.deepEqual(inboxes(), []);
  });
});
