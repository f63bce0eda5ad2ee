/** Per-identity locks: work under the same identity runs one at a time, others in parallel. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { withIdentityLock } from '../../src/spool/identity-lock';
import { SpoolLayout } from '../../src/spool/layout';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one short piece of work under each name's lock, all at once; returns how many ran together at most. */
async function mostAtOnce(layout: SpoolLayout, names: string[]): Promise<number> {
  let inside = 0;
  let most = 0;
  const work = async () => {
    inside++;
    most = Math.max(most, inside);
    await pause(20);
    inside--;
  };
  await Promise.all(names.map((name) => withIdentityLock(layout, name, work)));
  return most;
}

describe('identity lock', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tfgw-idlock-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const layout = new SpoolLayout(root);

  it('serialises work on one identity and releases the lock after it, even when the work throws', async () => {
    assert.equal(await mostAtOnce(layout, ['bob', 'bob', 'bob']), 1, 'two holders of the same identity lock at once');
    await assert.rejects(withIdentityLock(layout, 'bob', () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(existsSync(layout.identityLock('bob')), false, 'the lock outlived its work');
    assert.equal(await withIdentityLock(layout, 'bob', () => 7), 7);
  });

  it('lets different identities proceed together', async () => {
    assert.equal(await mostAtOnce(layout, ['alice', 'carol']), 2);
  });
});
