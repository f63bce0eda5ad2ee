import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ensureServerIdentity } from '../../src/settings/keys';

describe('server identity files', () => {
  it('creates the private key and hash 0600 and refuses them once group or others can read', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-keys-'));
    try {
      const id = ensureServerIdentity(dir, '', '');
      assert.equal(statSync(id.privateKeyFile).mode & 0o777, 0o600);
      assert.equal(statSync(path.join(dir, 'hash')).mode & 0o777, 0o600);
      chmodSync(path.join(dir, 'hash'), 0o640);
      assert.throws(() => ensureServerIdentity(dir, '', ''), /hash: mode 0640 .*chmod 600/);
      chmodSync(path.join(dir, 'hash'), 0o600);
      chmodSync(id.privateKeyFile, 0o644);
      assert.throws(() => ensureServerIdentity(dir, '', ''), /private\.pem: mode 0644 .*chmod 600/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
