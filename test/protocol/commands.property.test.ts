import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CommandContext, parseCommand, parseKeepalive, runCommand } from '../../src/protocol/commands';
import { check } from '../helpers/property';
import { RIG_CONTEXT, isReplyShape } from '../helpers/session-rig';

const SERVED = ['END', 'ECHO', 'XS_GATEWAY', 'KEEPALIVE', 'PROCKEY', 'GENUUID', 'DATE', 'UDATE', 'NDATE', 'DATEF'];

/** Arguments without NUL (a NUL ends the command text) that stay the same through UTF-8. */
const argsArb = fc.string({ unit: 'grapheme', maxLength: 80 }).filter((s) => !s.includes('\0'));

const positiveArb = fc.integer({ min: 1, max: 0x7fff });
const separatorArb = fc.constantFrom('|', ' | ', ' |', '| ', '  |  ', ' ', '\t|\t');

describe('command parsing (property)', () => {
  it('matches command names in any letter case', () => {
    check(
      fc.property(fc.constantFrom(...SERVED).chain((name) => fc.tuple(fc.constant(name), fc.mixedCase(fc.constant(name)))), argsArb, ([name, cased], args) => {
        const parsed = parseCommand(Buffer.from(`${cased} ${args}`));
        assert.equal(parsed.name, name);
        assert.deepEqual(
          runCommand(parsed, RIG_CONTEXT),
          runCommand(parseCommand(Buffer.from(`${name} ${args}`)), RIG_CONTEXT),
        );
      }),
      300,
    );
  });

  // Unicode case rules would fold "genuuıd" (dotless i) into GENUUID and "xſ_gateway"
  // (long s) into XS_GATEWAY; only ASCII letters fold.
  it(
    'matches only ASCII letter-case variants of a name',
    () => {
      check(
        fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), (name) => {
          fc.pre(!/[\s\0]/.test(name));
          const asciiUpper = name.replace(/[a-z]/g, (c) => c.toUpperCase());
          const outcome = runCommand(parseCommand(Buffer.from(name)), RIG_CONTEXT);
          if (!SERVED.includes(asciiUpper)) assert.deepEqual(outcome, { kind: 'reply', text: 'UNKNOWN' }, name);
        }),
        // Plain random strings rarely spell a command; the cases that matter are listed.
        300,
      );
      for (const name of ['genuuıd', 'xſ_gateway', 'KEEPALıVE 1 1|1|1']) {
        assert.deepEqual(runCommand(parseCommand(Buffer.from(name)), RIG_CONTEXT), { kind: 'reply', text: 'UNKNOWN' }, name);
      }
    },
  );

  it('ECHO replies exactly its arguments', () => {
    check(
      fc.property(fc.mixedCase(fc.constant('echo')), argsArb, (echo, args) => {
        assert.deepEqual(runCommand(parseCommand(Buffer.from(`${echo} ${args}`)), RIG_CONTEXT), {
          kind: 'reply',
          text: Buffer.from(args),
        });
      }),
      300,
    );
  });

  // ECHO answers with the bytes the client sent, not a UTF-8 reading of them.
  it(
    'ECHO replies exactly the argument bytes, UTF-8 or not',
    () => {
      check(
        fc.property(fc.uint8Array({ maxLength: 80 }), (raw) => {
          const args = Buffer.from(raw.filter((b) => b !== 0));
          const outcome = runCommand(parseCommand(Buffer.concat([Buffer.from('ECHO '), args])), RIG_CONTEXT);
          assert.equal(outcome.kind, 'reply');
          assert.deepEqual(Buffer.from((outcome as { text: Buffer }).text), args);
        }),
        300,
      );
    },
  );

  it('refuses KEEPALIVE whose TCP_USER_TIMEOUT would overflow, before anything is applied', () => {
    assert.equal(parseKeepalive('1 32767 | 32767 | 32767'), null);
    assert.equal(parseKeepalive('1 1 | 2147 | 1001'), null);
    assert.deepEqual(parseKeepalive('1 1 | 2147 | 999'), { enable: true, idle: 1, interval: 2147, count: 999 });
  });

  it('accepts KEEPALIVE 1 a | b | c for positive counts and reads them back', () => {
    check(
      fc.property(positiveArb, positiveArb, positiveArb, separatorArb, separatorArb, (a, b, c, s1, s2) => {
        fc.pre((a + b * c) * 1000 <= 0x7fffffff);
        assert.deepEqual(parseKeepalive(`1 ${a}${s1}${b}${s2}${c}`), { enable: true, idle: a, interval: b, count: c });
        assert.deepEqual(parseKeepalive(` 1  ${a}${s1}${b}${s2}${c} `), { enable: true, idle: a, interval: b, count: c });
      }),
      300,
    );
  });

  it('rejects malformed KEEPALIVE arguments', () => {
    const badNumber = fc.oneof(
      fc.constantFrom('0', '-1', '+1', '1.5', '1e3', '0x10', '32768', '99999999999', 'NaN', '', 'a'),
      fc.integer({ min: 0x8000, max: 2 ** 40 }).map(String),
      fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !/^\s*\d+\s*$/.test(s) && !/[\s|]/.test(s)),
    );
    check(
      fc.property(
        positiveArb,
        positiveArb,
        badNumber,
        fc.integer({ min: 0, max: 2 }),
        separatorArb,
        (a, b, bad, where, sep) => {
          const nums = [String(a), String(b)];
          nums.splice(where, 0, bad);
          const text = `1 ${nums.join(sep)}`;
          // An empty "number" leaves three fields; any other bad field is rejected outright.
          assert.equal(parseKeepalive(text), null, text);
        },
      ),
      300,
    );
    check(
      fc.property(fc.string({ maxLength: 30 }), (garbage) => {
        const got = parseKeepalive(garbage);
        if (got === null) return;
        // Anything accepted is either "0 ..." (disable) or four well-formed fields.
        const fields = garbage.trim().split(/[\s|]+/).filter((f) => f.length > 0);
        if (!got.enable) assert.equal(fields[0], '0');
        else assert.deepEqual(fields.slice(1).map(Number), [got.idle, got.interval, got.count]);
      }),
      300,
    );
    for (const text of ['', '1', '1 5', '1 5|6', '1 5|6|7|8', '2 5|6|7', 'on 5|6|7', '1 5||7']) {
      assert.equal(parseKeepalive(text), null, text);
    }
  });

  it('never throws on arbitrary bytes, and every reply has an allowed shape or is an ECHO', () => {
    const ctx: CommandContext = { ...RIG_CONTEXT, keepalive: () => false };
    check(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (raw, keepaliveWorks) => {
        const parsed = parseCommand(Buffer.from(raw));
        const outcome = runCommand(parsed, keepaliveWorks ? RIG_CONTEXT : ctx);
        if (outcome.kind !== 'reply') {
          assert.ok(['END', 'XS_GATEWAY'].includes(parsed.name));
          return;
        }
        if (parsed.name === 'ECHO') assert.deepEqual(outcome.text, parsed.rawArgs);
        else assert.ok(typeof outcome.text === 'string' && isReplyShape(outcome.text), String(outcome.text));
      }),
      1000,
    );
  });
});
