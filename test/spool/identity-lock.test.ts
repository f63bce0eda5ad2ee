/** Per-identity locks: work under the same identity runs one at a time, others in parallel. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { withIdentityLock } from '../../src/spool/identity-lock';
import { SpoolLayout } from '../../src/spool/layout';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('identity lock', () => {
  it('serialises work on one identity and releases the lock after it, even when the work throws', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tfgw-idlock-'));
    try {
      const layout = new SpoolLayout(root);
      let inside = 0;
      let most = 0;
      const work = async () => {
        inside++;
        most = Math.max(most, inside);
        await pause(15);
        inside--;
      };
      await Promise.all([1, 2, 3].map(() => withIdentityLock(layout, 'bob', work)));
      assert.equal(most, 1, 'two holders of the same identity lock at once');
      await assert.rejects(withIdentityLock(layout, 'bob', () => Promise.reject(new Error('boom'))), /boom/);
      assert.equal(existsSync(layout.identityLock('bob')), false, 'the lock outlived its work');
      assert.equal(await withIdentityLock(layout, 'bob', () => 7), 7);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('lets different identities proceed together', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tfgw-idlock-'));
    try {
      const layout = new SpoolLayout(root);
      let inside = 0;
      let most = 0;
      const work = async () => {
        inside++;
        most = Math.max(most, inside);
        await pause(30);
        inside--;
      };
      await Promise.all(['alice', 'bob'].map((name) => withIdentityLock(layout, name, work)));
      assert.equal(most, 2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
