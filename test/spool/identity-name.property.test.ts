import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { identityToName, isIdentityName, nameToIdentity } from '../../src/spool/identity-name';
import { check } from '../helpers/property';

/**
 * Identities of 1..600 bytes. Besides uniform bytes, they are drawn from an alphabet
 * rich in the characters that matter to the mapping (dots, tildes, slashes, NUL,
 * letters of the encoded prefixes, base64url characters, high bytes), at lengths
 * around the plain (200) and base64 (150) bounds.
 */
const alphabet = Buffer.from('.~/-_bh=+,:@aZ09 \0\xff\x7f\n', 'latin1');
const identityArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((b) => Buffer.from(b)),
  fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 24 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.constantFrom(149, 150, 151, 199, 200, 201, 202, 203, 600), fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 4 }))
    .map(([n, head]) => Buffer.concat([Buffer.from(head), Buffer.alloc(n, 'a')]).subarray(0, n)),
  // Names the mapping itself produces, taken as identities of their own.
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((b) => Buffer.from(identityToName(b), 'latin1')),
);

const ROOT = path.resolve('/srv/tfgw/spool');

describe('identity to directory name (property)', () => {
  it('always gives a safe name: short, no slash or NUL, no leading dot, not . or ..', () => {
    check(
      fc.property(identityArb, (identity) => {
        const name = identityToName(identity);
        assert.ok(name.length > 0 && name.length <= 203, `length ${name.length}`);
        assert.ok(Buffer.byteLength(name, 'utf8') <= 203, 'more than 203 bytes');
        assert.ok(!name.includes('/') && !name.includes('\0'), name);
        assert.ok(!name.startsWith('.') && name !== '.' && name !== '..', name);
        assert.equal(path.dirname(path.join(ROOT, name)), ROOT);
        assert.equal(path.basename(path.join(ROOT, name)), name);
        assert.equal(isIdentityName(name), true, name);
      }),
      1000,
    );
  });

  it('gives distinct identities distinct names (pairs)', () => {
    // Pairs that are likely to collide if anything does: an identity and the name of
    // another one, an identity and a one-byte change of it, and free pairs.
    const pairArb = fc.oneof(
      fc.tuple(identityArb, identityArb),
      identityArb.map((id) => [id, Buffer.from(identityToName(id), 'latin1')] as [Buffer, Buffer]),
      fc.tuple(identityArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([id, at, mask]) => {
        const other = Buffer.from(id);
        other[at % other.length] ^= mask;
        return [id, other] as [Buffer, Buffer];
      }),
    );
    check(
      fc.property(pairArb, ([a, b]) => {
        if (a.equals(b)) assert.equal(identityToName(a), identityToName(b));
        else assert.notEqual(identityToName(a), identityToName(b), `${a.toString('hex')} / ${b.toString('hex')}`);
      }),
      1000,
    );
  });

  it('gives distinct identities distinct names (sets)', () => {
    check(
      fc.property(fc.uniqueArray(identityArb, { maxLength: 60, selector: (b) => b.toString('hex') }), (ids) => {
        assert.equal(new Set(ids.map(identityToName)).size, ids.length);
      }),
      200,
    );
  });

  it('decodes a name back to its identity, always for identities up to 150 bytes', () => {
    check(
      fc.property(identityArb, (identity) => {
        const back = nameToIdentity(identityToName(identity));
        if (identity.length <= 150) assert.notEqual(back, null, identity.toString('hex'));
        if (back !== null) assert.deepEqual(back, identity);
      }),
      1000,
    );
  });

  it('decodes no other string to an identity (only canonical names count)', () => {
    const nameLikeArb = fc.oneof(
      fc.string({ maxLength: 220 }),
      fc.string({ unit: fc.constantFrom(...'~bh.-_AZaz09=/+'), maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: 40 }).map((s) => `~b.${s}`),
    );
    check(
      fc.property(nameLikeArb, (name) => {
        const identity = nameToIdentity(name);
        if (identity !== null) assert.equal(identityToName(identity), name);
        if (isIdentityName(name) && !name.startsWith('~h.')) assert.notEqual(identity, null);
      }),
      1000,
    );
  });
});
