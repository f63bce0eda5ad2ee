import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityToName, isIdentityName, nameToIdentity } from '../../src/spool/identity-name';

const safeName = (name: string) =>
  name.length > 0 && name.length <= 203 && !name.includes('/') && !name.includes('\0') && !name.startsWith('.');

describe('identity to directory name', () => {
  it('keeps plain identities readable', () => {
    for (const id of ['alice', 'bob-2', 'node_7@host', 'a.b', 'x~y', 'A=1,B:2+3']) {
      assert.equal(identityToName(Buffer.from(id)), id);
      assert.deepEqual(nameToIdentity(id), Buffer.from(id));
    }
  });

  it('encodes identities that could name another path', () => {
    const tricky = ['/', '..', '.', '../etc/passwd', 'a/b', '.hidden', '~b.YQ', '~h.x', 'has space', 'tab\t', 'a\0b', 'é'];
    for (const id of tricky) {
      const name = identityToName(Buffer.from(id));
      assert.notEqual(name, id, id);
      assert.ok(safeName(name), name);
      assert.deepEqual(nameToIdentity(name), Buffer.from(id), id);
    }
  });

  it('encodes non-UTF-8 bytes and NUL', () => {
    const id = Buffer.from([0xff, 0x00, 0x2f, 0x2e, 0x2e]);
    const name = identityToName(id);
    assert.ok(safeName(name));
    assert.deepEqual(nameToIdentity(name), id);
  });

  it('hashes identities too long for a file name', () => {
    const long = Buffer.alloc(300, 'a');
    const name = identityToName(long);
    assert.match(name, /^~h\.[0-9a-f]{64}$/);
    assert.ok(safeName(name));
    assert.equal(nameToIdentity(name), null);
    assert.equal(isIdentityName(name), true);
    assert.notEqual(identityToName(Buffer.alloc(301, 'a')), name);
    // Boundaries: 200 plain bytes stay plain; 201 are encoded.
    assert.equal(identityToName(Buffer.alloc(200, 'a')), 'a'.repeat(200));
    assert.notEqual(identityToName(Buffer.alloc(201, 'a')), 'a'.repeat(201));
  });

  it('rejects names it did not produce', () => {
    for (const name of ['.x', '~b.', '~b.!!', '~b.YQ=', '', 'a/b']) assert.equal(nameToIdentity(name), null, name);
  });
});
