import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { wasmCipherAvailable } from '../../src/protocol/cipher/wasm';
import { parseCommand, runCommand } from '../../src/protocol/commands';
import { BUFFER_SIZE } from '../../src/protocol/limits';
import {
  FAILED_ACCESS_DENIED,
  FAILED_INTERNAL,
  FAILED_MEMORY,
  OK,
} from '../../src/protocol/replies';
import type { Phase } from '../../src/protocol/server-session';
import { check, cutPieces, cutPlanArb, patternBytes, payloadArb, sessionKeyArb } from '../helpers/property';
import { HASH, RIG_CONTEXT, SessionRig, VERSION, isReplyShape } from '../helpers/session-rig';

const COMMAND_NAMES = [
  'END', 'ECHO', 'XS_GATEWAY', 'KEEPALIVE', 'PROCKEY', 'GENUUID', 'DATE', 'UDATE', 'NDATE', 'DATEF',
  'MKDIR', 'GOAES', 'LOGIN', 'FSTAT', '',
];

/** A command text: a known name in any letter case with arguments, or any string at all. */
const commandTextArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...COMMAND_NAMES).chain((name) => fc.mixedCase(fc.constant(name))),
        fc.option(
          fc.oneof(
            fc.string({ unit: 'grapheme', maxLength: 40 }),
            fc.constantFrom('1 60 | 10 | 5', '0', '1 1|1|1', '1 0 | 1 | 1', 'x'),
          ),
          { nil: null },
        ),
      )
      .map(([name, args]) => (args === null ? name : `${name} ${args}`)),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

const headerValueArb = fc.oneof(
  fc.constantFrom(-1, -2, 0, 1, 4, 4096, 4097, 524287, 524288, 524289, 2 ** 31 - 1, -(2 ** 31)),
  fc.integer({ min: -100, max: 100 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

const claimReplyArb = fc.constantFrom(OK, FAILED_ACCESS_DENIED, FAILED_MEMORY, FAILED_INTERNAL);

type Action =
  | { t: 'frame'; payload: Buffer; plan: number[] }
  | { t: 'header'; value: number }
  | { t: 'raw'; bytes: Buffer; plan: number[] }
  | { t: 'resolve'; reply: string }
  | { t: 'deliver'; message: Buffer }
  | { t: 'step' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        payload: fc.oneof(
          { weight: 6, arbitrary: commandTextArb.map((s) => Buffer.from(s, 'utf8')) },
          { weight: 6, arbitrary: payloadArb(5000) },
          // The bounds: the handshake limit, and the buffer size (accepted) and one more (a violation).
          { weight: 1, arbitrary: fc.constantFrom(4096, 4097, BUFFER_SIZE, BUFFER_SIZE + 1).map((n) => patternBytes(n, n)) },
        ),
        plan: cutPlanArb,
      })
      .map((r) => ({ t: 'frame' as const, ...r })),
  },
  { weight: 3, arbitrary: headerValueArb.map((value) => ({ t: 'header' as const, value })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ bytes: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), plan: cutPlanArb })
      .map((r) => ({ t: 'raw' as const, ...r })),
  },
  { weight: 2, arbitrary: claimReplyArb.map((reply) => ({ t: 'resolve' as const, reply })) },
  { weight: 1, arbitrary: payloadArb(300).map((message) => ({ t: 'deliver' as const, message })) },
  { weight: 4, arbitrary: fc.constant({ t: 'step' as const }) },
);

/** The next input a well-behaved client would give in `phase` (to reach deep phases often). */
function step(rig: SessionRig, key: Buffer): void {
  const phase = rig.session.phase;
  if (phase === 'closed') return;
  if (phase === 'gw-claiming') {
    rig.session.identityResult(OK);
    return;
  }
  if (phase === 'gw-leaving') {
    rig.session.leftGateway();
    return;
  }
  const next: Record<Exclude<Phase, 'closed' | 'gw-claiming' | 'gw-leaving'>, Buffer | string> = {
    version: VERSION,
    key: Buffer.concat([Buffer.from('KEY:'), key]),
    hash: HASH,
    command: 'XS_GATEWAY',
    'gw-identity': 'alice',
    'gw-destination': 'bob',
    'gw-message': 'hello',
  };
  rig.send(next[phase]);
}

/** The state-machine property: arbitrary input at every phase (see actionArb). */
function checkSessionMachine(): void {
  check(
    fc.property(
      sessionKeyArb,
      fc.constantFrom(...(wasmCipherAvailable() ? ['js', 'wasm'] : ['js'])),
      fc.boolean(),
      fc.integer({ min: 0, max: 7 }),
      fc.array(actionArb, { maxLength: 25 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      (key, engine, acceptDegenerate, prefix, actions, afterClose) => {
        process.env.TFGW_CIPHER = engine;
        const rig = new SessionRig({ acceptDegenerateKeys: acceptDegenerate });
        for (let i = 0; i < prefix && !rig.closed; i++) step(rig, key);
        // Texts an ECHO may legitimately send back: the arguments of every ECHO sent.
        const echoes = new Set<string>();
        for (const action of actions) {
          const before: Phase = rig.session.phase;
          const replies = rig.replies.length;
          switch (action.t) {
            case 'frame': {
              const parsed = parseCommand(action.payload);
              if (parsed.name === 'ECHO') echoes.add(parsed.args);
              const wire = rig.frame(action.payload);
              rig.feed(wire, cutPieces(wire, action.plan));
              break;
            }
            case 'header':
              rig.signal(action.value);
              break;
            case 'raw':
              rig.feed(action.bytes, cutPieces(action.bytes, action.plan));
              break;
            case 'resolve':
              rig.session.identityResult(action.reply);
              if (before !== 'gw-claiming') assert.equal(rig.replies.length, replies, 'a claim result out of turn was written');
              break;
            case 'deliver': {
              const ok = rig.deliver(action.message);
              assert.equal(ok, before === 'gw-destination' || before === 'gw-message', `delivery accepted in ${before}`);
              break;
            }
            case 'step':
              step(rig, key);
              break;
          }
          if (before === 'gw-claiming' && action.t !== 'resolve' && action.t !== 'step') {
            assert.equal(rig.replies.length, replies, 'wrote while an identity claim was pending');
          }
          for (const reply of rig.replies.slice(replies)) {
            const text = reply.toString('utf8');
            assert.ok(isReplyShape(text) || echoes.has(text), `reply of no allowed shape: ${JSON.stringify(text)}`);
          }
          assert.ok(rig.closes.length <= 1, 'close called more than once');
          assert.equal(rig.writesAfterClose, 0, 'wrote after close');
          assert.equal(rig.session.phase === 'closed', rig.closed, 'phase and close disagree');
        }
        if (!rig.closed) return;
        // Once closed, nothing the client or the shell does produces output.
        const written = rig.replies.length;
        rig.feed(Buffer.from(afterClose));
        rig.feed(rig.frame('ECHO still there?'));
        rig.session.identityResult(OK);
        assert.equal(rig.session.encodeDelivery(Buffer.from('late')), null);
        assert.equal(rig.replies.length, written);
        assert.equal(rig.writesAfterClose, 0);
        assert.equal(rig.closes.length, 1);
      },
    ),
    600,
  );
}

describe('server state machine (property)', () => {
  it('never throws, writes only whole reply frames of the allowed shapes, and nothing after close', () => {
    // The server's cipher engine varies (TFGW_CIPHER is read per state); the rig's client always uses the JS one.
    const saved = process.env.TFGW_CIPHER;
    try {
      checkSessionMachine();
    } finally {
      if (saved === undefined) delete process.env.TFGW_CIPHER;
      else process.env.TFGW_CIPHER = saved;
    }
  });

  it('answers every command but END with exactly one reply after a valid handshake', () => {
    check(
      fc.property(
        sessionKeyArb,
        fc.array(fc.tuple(commandTextArb, claimReplyArb.filter((r) => r !== OK)), { maxLength: 30 }),
        (key, commands) => {
          const rig = new SessionRig();
          rig.handshake(key);
          for (const [text, refusal] of commands) {
            const phase = rig.session.phase;
            const payload = Buffer.from(text, 'utf8');
            rig.send(payload);
            // An identity claim is answered by the shell later; it refuses, so the session stays at the prompt.
            if (rig.session.phase === 'gw-claiming') rig.session.identityResult(refusal);
            const replies = rig.takeReplies();
            if (phase === 'closed') {
              assert.deepEqual(replies, []);
              continue;
            }
            if (phase === 'gw-identity') {
              assert.deepEqual(replies, [payload.length === 0 ? FAILED_ACCESS_DENIED : refusal]);
              assert.equal(rig.session.phase, 'command');
              continue;
            }
            assert.equal(phase, 'command');
            const parsed = parseCommand(payload);
            if (parsed.name === 'END') {
              assert.deepEqual(replies, []);
              assert.deepEqual(rig.closes, [{ reason: 'client sent END', violation: false }]);
              continue;
            }
            assert.equal(replies.length, 1, `${replies.length} replies to ${JSON.stringify(text)}`);
            const outcome = runCommand(parsed, RIG_CONTEXT);
            assert.equal(replies[0], outcome.kind === 'reply' ? outcome.text.toString() : OK);
            if (parsed.name === 'ECHO') assert.equal(replies[0], parsed.args);
            else assert.ok(isReplyShape(replies[0]!), replies[0]);
          }
          assert.equal(rig.writesAfterClose, 0);
        },
      ),
      400,
    );
  });
});
