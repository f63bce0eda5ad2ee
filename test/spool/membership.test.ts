import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Spool } from '../../src/spool';
import { identityToName } from '../../src/spool/identity-name';
import { INBOXES, LOCKS } from '../../src/spool/layout';
import { type Mailbox, type MailboxEvents, Membership, type MembershipOptions } from '../../src/spool/membership';

const LIMITS = { maxFiles: 1000, maxBytes: 1 << 20 };

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

/** Records what a mailbox reports; `left` is each report's leave, awaited. */
class Reports implements MailboxEvents {
  readonly seen: string[] = [];
  readonly left: Promise<number>[] = [];
  evicted(left: Promise<number>): void {
    this.seen.push('evicted');
    this.left.push(left);
  }
  failed(error: Error, left: Promise<number>): void {
    this.seen.push(`failed: ${error.message}`);
    this.left.push(left);
  }
  lockLost(): void {
    this.seen.push('lock lost');
  }
}

describe('gateway membership', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-membership-'));
  const mailboxes: Mailbox[] = [];
  after(async () => {
    await Promise.all(mailboxes.map((m) => m.leave()));
    rmSync(root, { recursive: true, force: true });
  });
  let n = 0;

  function rig(options: Partial<MembershipOptions> = {}) {
    const spool = new Spool({ root: path.join(root, `spool-${++n}`), staleMs: 10_000 });
    spool.init();
    const membership = (policy = options.conflictPolicy ?? 'takeover') =>
      new Membership(spool.layout, spool.ownership, { maxPeers: 100, inboxLimits: LIMITS, ...options, conflictPolicy: policy });
    const join = async (identity: string, reports = new Reports(), by = membership()) => {
      const result = await by.join(Buffer.from(identity), '127.0.0.1:9', reports);
      if ('mailbox' in result) mailboxes.push(result.mailbox);
      return result;
    };
    const joined = async (identity: string, reports = new Reports()) => {
      const result = await join(identity, reports);
      assert.ok('mailbox' in result, `${identity} refused: ${'refused' in result ? result.refused : ''}`);
      return result.mailbox;
    };
    const inboxes = () => readdirSync(path.join(spool.layout.root, INBOXES));
    const linked = (identity: string) => spool.ownership.currentClaim(identityToName(Buffer.from(identity)));
    return { spool, membership, join, joined, inboxes, linked };
  }

  function collect(mailbox: Mailbox): string[] {
    const got: string[] = [];
    mailbox.deliverTo({
      deliver: (m) => {
        got.push(m.toString());
        return true;
      },
    });
    return got;
  }

  it('joins: the identity points at a new inbox, and messages sent to it reach the sink in order', async () => {
    const { spool, joined, linked, inboxes } = rig();
    const mailbox = await joined('alice');
    assert.equal(linked('alice'), mailbox.claim.claim);
    assert.deepEqual(inboxes(), [mailbox.claim.claim]);
    assert.equal(spool.outbox.send(Buffer.from('alice'), Buffer.from('early')), 'queued');
    const got = collect(mailbox);
    assert.equal(spool.outbox.send(Buffer.from('alice'), Buffer.from('late')), 'queued');
    assert.ok(await until(() => got.length === 2), `delivered ${got.length}`);
    assert.deepEqual(got, ['early', 'late']);
    assert.equal(mailbox.queued, 0);
  });

  it('leaves: link and inbox are gone, undelivered messages are counted once, and leave is idempotent', async () => {
    const { spool, joined, linked, inboxes } = rig();
    const mailbox = await joined('bob');
    for (const text of ['one', 'two', 'three']) spool.outbox.send(Buffer.from('bob'), Buffer.from(text));
    const first = mailbox.leave();
    assert.ok(mailbox.hasLeft);
    assert.equal(await first, 3);
    assert.equal(await mailbox.leave(), 0);
    assert.equal(linked('bob'), null);
    assert.deepEqual(inboxes(), []);
    assert.equal(spool.outbox.send(Buffer.from('bob'), Buffer.from('late')), 'no-peer');
  });

  it('delivers nothing after leave is called', async () => {
    const { spool, joined } = rig();
    const mailbox = await joined('quiet');
    const got = collect(mailbox);
    const left = mailbox.leave();
    spool.outbox.send(Buffer.from('quiet'), Buffer.from('too late'));
    await left;
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got, []);
  });

  it('takes an identity over: the old mailbox reports the eviction, leaves, and the new one receives', async () => {
    const { spool, joined, linked, inboxes } = rig();
    const oldReports = new Reports();
    const old = await joined('carol', oldReports);
    const oldGot = collect(old);
    const newer = await joined('carol');
    const got = collect(newer);
    assert.equal(linked('carol'), newer.claim.claim);
    assert.ok(await until(() => oldReports.seen.length > 0), 'the old mailbox noticed');
    assert.deepEqual(oldReports.seen, ['evicted']);
    assert.equal(await oldReports.left[0], 0);
    assert.ok(old.hasLeft);
    assert.deepEqual(inboxes(), [newer.claim.claim], 'the old inbox is removed');
    assert.equal(linked('carol'), newer.claim.claim, "the old mailbox's leave keeps the new link");
    spool.outbox.send(Buffer.from('carol'), Buffer.from('to the newest'));
    assert.ok(await until(() => got.length === 1));
    assert.deepEqual(oldGot, []);
  });

  it('refuses an identity in use under the refuse policy, leaving nothing behind', async () => {
    const { join, joined, membership, linked, inboxes } = rig();
    const first = await joined('dave');
    const result = await join('dave', new Reports(), membership('refuse'));
    assert.deepEqual(result, { refused: 'in-use' });
    assert.equal(linked('dave'), first.claim.claim);
    assert.deepEqual(inboxes(), [first.claim.claim]);
  });

  it('refuses a new identity once the gateway holds maxPeers, counting every session of the spool', async () => {
    const { join, membership } = rig({ maxPeers: 2 });
    assert.ok('mailbox' in (await join('p1')));
    assert.ok('mailbox' in (await join('p2', new Reports(), membership())));
    assert.deepEqual(await join('p3'), { refused: 'full' });
    assert.equal(membership().peers(), 2);
  });

  it('holds maxPeers under concurrent claims: of 24 joining at once with room for 5, exactly 5 get in', async () => {
    const { join, membership, inboxes } = rig({ maxPeers: 5 });
    // One Membership each, as 24 session processes would have.
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => join(`c${i}`, new Reports(), membership())));
    const admitted = results.filter((r) => 'mailbox' in r).length;
    const full = results.filter((r) => 'refused' in r && r.refused === 'full').length;
    assert.equal(admitted, 5, JSON.stringify(results.filter((r) => 'refused' in r)));
    assert.equal(full, 19);
    assert.equal(membership().peers(), 5);
    assert.equal(inboxes().length, 5, 'every refused claim undid its inbox');
  });

  it('undoes a failed join: no inbox and no link are left behind', async () => {
    const { spool, join, linked, inboxes } = rig();
    // A file where the identity locks live makes publishing fail after the inbox was made and watched.
    rmSync(path.join(spool.layout.root, LOCKS), { recursive: true });
    writeFileSync(path.join(spool.layout.root, LOCKS), '');
    const result = await join('erin');
    assert.ok('refused' in result && result.refused === 'failed', JSON.stringify(result));
    assert.ok(result.error instanceof Error);
    assert.deepEqual(inboxes(), []);
    assert.equal(linked('erin'), null);
  });

  it('undoes a join abandoned meanwhile: no inbox and no link are left behind', async () => {
    const { spool, membership, linked, inboxes } = rig();
    const ending = new AbortController();
    const joining = membership().join(Buffer.from('frank'), '127.0.0.1:9', new Reports(), ending.signal);
    ending.abort();
    assert.deepEqual(await joining, { refused: 'abandoned' });
    assert.deepEqual(inboxes(), []);
    assert.equal(linked('frank'), null);
    assert.ok(!existsSync(spool.layout.link(identityToName(Buffer.from('frank')))));
  });

  it('reports an inbox that fails and leaves', async () => {
    const { joined, linked } = rig();
    const reports = new Reports();
    const mailbox = await joined('gina', reports);
    // Delivery starts with a listing of the inbox, which then fails.
    rmSync(mailbox.claim.dir, { recursive: true, force: true });
    collect(mailbox);
    const failure = () => reports.seen.find((s) => s.startsWith('failed: '));
    assert.ok(await until(() => failure() !== undefined), `reported: ${reports.seen.join(', ')}`);
    assert.equal(reports.left.length, 1);
    await reports.left[0];
    assert.ok(mailbox.hasLeft);
    assert.equal(linked('gina'), null);
  });
});
