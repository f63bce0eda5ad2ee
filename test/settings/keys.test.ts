import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureServerIdentity, makeDirectory } from '../../src/settings/keys';
import { loadConfig } from '../../src/settings/load';

describe('server identity files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a key pair and a hash on first start, and keeps them', () => {
    const data = path.join(dir, 'first');
    const first = ensureServerIdentity(data, '', '');
    assert.equal(first.created.length, 3);
    assert.match(readFileSync(first.publicKeyFile, 'utf8'), /BEGIN PUBLIC KEY/);
    const again = ensureServerIdentity(data, '', '');
    assert.deepEqual(again.created, []);
    assert.equal(again.hash, first.hash);
  });

  it('reads a configured key file before writing anything', () => {
    const data = path.join(dir, 'never');
    const key = path.join(dir, 'absent.pem');
    assert.throws(() => ensureServerIdentity(data, key, ''), { message: `cannot read private key ${key}: ENOENT (no such file or directory)` });
    assert.equal(existsSync(data), false, 'no data directory for a key that cannot be read');
  });

  it('names the directory and the system error when it cannot create one', { skip: process.getuid?.() === 0 }, () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    chmodSync(locked, 0o500);
    const target = path.join(locked, 'data');
    assert.throws(() => makeDirectory(target, 'data directory'), { message: `cannot create data directory ${target}: EACCES (permission denied)` });
  });

  it('writes no data directory for a configuration that does not load', () => {
    const data = path.join(dir, 'bad-listen');
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ dataDir: data, listen: '127.0.0.1:99999' }));
    // serve loads (and so checks) the whole configuration before it calls ensureServerIdentity.
    assert.throws(() => loadConfig({}, file, {}), /bad port/);
    assert.equal(existsSync(data), false);
  });

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
