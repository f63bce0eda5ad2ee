import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultStatePaths, defaultStateRoot, isSourceCheckout } from '../../src/settings/state-dir';

/** A scratch tree: a clone, a worktree (.git as a file) and an installed package. */
const scratch = mkdtempSync(path.join(tmpdir(), 'tfgw-state-dir-'));
const clone = path.join(scratch, 'clone');
const worktree = path.join(scratch, 'worktree');
const installed = path.join(scratch, 'app', 'node_modules', 'tfgw');
const unpacked = path.join(scratch, 'opt', 'tfgw');
mkdirSync(path.join(clone, '.git'), { recursive: true });
mkdirSync(worktree, { recursive: true });
writeFileSync(path.join(worktree, '.git'), 'gitdir: /elsewhere\n');
mkdirSync(installed, { recursive: true });
mkdirSync(unpacked, { recursive: true });
after(() => rmSync(scratch, { recursive: true, force: true }));

const home = '/home/someone';

describe('defaultStateRoot', () => {
  it('keeps the state in the package root of a clone or a worktree, whatever the environment says', () => {
    const env = { STATE_DIRECTORY: '/var/lib/tfgw', XDG_STATE_HOME: '/x', HOME: home };
    assert.equal(defaultStateRoot(env, clone), clone);
    assert.equal(defaultStateRoot(env, worktree), worktree);
  });

  it('keeps it in the package root of a copy that is not under node_modules', () => {
    assert.equal(isSourceCheckout(unpacked), true);
    assert.equal(defaultStateRoot({ HOME: home }, unpacked), unpacked);
  });

  it('uses systemd StateDirectory= (its first entry) for an installed package', () => {
    assert.equal(isSourceCheckout(installed), false);
    assert.equal(defaultStateRoot({ STATE_DIRECTORY: '/var/lib/tfgw', XDG_STATE_HOME: '/x', HOME: home }, installed), '/var/lib/tfgw');
    assert.equal(defaultStateRoot({ STATE_DIRECTORY: '/var/lib/tfgw:/var/lib/other' }, installed), '/var/lib/tfgw');
  });

  it('else $XDG_STATE_HOME/tfgw, ignoring a relative XDG_STATE_HOME', () => {
    assert.equal(defaultStateRoot({ XDG_STATE_HOME: '/home/someone/.state', HOME: home }, installed), '/home/someone/.state/tfgw');
    assert.equal(defaultStateRoot({ XDG_STATE_HOME: 'relative', HOME: home }, installed), '/home/someone/.local/state/tfgw');
  });

  it('else ~/.local/state/tfgw', () => {
    assert.equal(defaultStateRoot({ HOME: home }, installed), '/home/someone/.local/state/tfgw');
    assert.equal(defaultStateRoot({ STATE_DIRECTORY: '', XDG_STATE_HOME: '', HOME: home }, installed), '/home/someone/.local/state/tfgw');
  });

  it('never answers a directory inside node_modules for an installed package', () => {
    const root = defaultStateRoot({}, installed);
    assert.ok(path.isAbsolute(root));
    assert.ok(!root.split(path.sep).includes('node_modules'), root);
  });
});

describe('defaultStatePaths', () => {
  it('puts data/ and spool/ under the state root', () => {
    assert.deepEqual(defaultStatePaths({ XDG_STATE_HOME: '/s' }, installed), { dataDir: '/s/tfgw/data', spool: '/s/tfgw/spool' });
    assert.deepEqual(defaultStatePaths({}, clone), { dataDir: path.join(clone, 'data'), spool: path.join(clone, 'spool') });
  });
});
