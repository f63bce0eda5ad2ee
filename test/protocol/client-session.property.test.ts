import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ClientEvent } from '../../src/protocol/client-session';
import { OK } from '../../src/protocol/replies';
import { ClientRig, HASH, type Sent, VERSION } from '../helpers/client-rig';
import { check, cutPieces, cutPlanArb, payloadArb, sessionKeyArb } from '../helpers/property';

const TOKEN = 'tfgw-leave-ffeeddccbbaa99887766554433221100';

/** A whole session as a server answers it: commands before the stay, deliveries in it, commands after the leave. */
interface Scenario {
  key: Buffer;
  before: string[];
  deliveries: Buffer[];
  after: string[];
}

const textArb = fc.string({ maxLength: 20 });

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  key: sessionKeyArb,
  before: fc.array(textArb, { maxLength: 5 }),
  // Deliveries are anything but the token itself, including texts that look like replies.
  deliveries: fc.array(
    fc.oneof(payloadArb(70_000), fc.constantFrom(OK, `ECHO ${TOKEN}`, '').map((t) => Buffer.from(t))),
    { maxLength: 8 },
  ),
  after: fc.array(textArb, { maxLength: 5 }),
});

/**
 * A rig whose event handler makes the calls a shell would, synchronously: the
 * commands once ready, the entry after them; on entering, the leave and the
 * commands after it. The client's calls then never depend on how the bytes are cut.
 */
function scriptedRig(s: Scenario): ClientRig {
  return new ClientRig(s.key, (event, rig) => {
    if (event.kind === 'ready') {
      for (const text of s.before) rig.session.command(`ECHO ${text}`);
      rig.session.enterGateway(Buffer.from('prop'));
    } else if (event.kind === 'entered') {
      rig.session.leave(TOKEN);
      for (const text of s.after) rig.session.command(`ECHO ${text}`);
    }
  });
}

/** Everything the server sends in the scenario, in order. */
function serverStream(rig: ClientRig, s: Scenario): Buffer {
  return Buffer.concat([
    rig.handshakeReplies(),
    ...s.before.map((t) => rig.frame(t)),
    rig.frame(OK),
    rig.frame(OK),
    ...s.deliveries.map((d) => rig.frame(d)),
    rig.frame(TOKEN),
    ...s.after.map((t) => rig.frame(t)),
  ]);
}

function expectedEvents(s: Scenario): ClientEvent[] {
  const replies = (texts: string[], first: number): ClientEvent[] =>
    texts.map((text, i) => ({ kind: 'reply', id: first + i, payload: Buffer.from(text) }));
  return [
    { kind: 'ready' },
    ...replies(s.before, 0),
    { kind: 'entered' },
    ...s.deliveries.map((payload): ClientEvent => ({ kind: 'delivery', payload })),
    { kind: 'left' },
    ...replies(s.after, s.before.length),
  ];
}

/** What the server reads from the client, payloads as latin1 text (the rig's form). */
function expectedSent(s: Scenario): Sent[] {
  const sealed = Buffer.concat([Buffer.from('SEALED:'), s.key]);
  return [
    VERSION,
    sealed,
    HASH,
    ...s.before.map((t) => `ECHO ${t}`),
    'XS_GATEWAY',
    'prop',
    -1,
    `ECHO ${TOKEN}`,
    ...s.after.map((t) => `ECHO ${t}`),
  ].map((x) => (typeof x === 'number' ? x : Buffer.from(x).toString('latin1')));
}

function run(s: Scenario, plan: number[] | null): { events: ClientEvent[]; sent: Sent[]; written: Buffer } {
  const rig = scriptedRig(s);
  rig.session.start();
  const stream = serverStream(rig, s);
  rig.feed(stream, plan ? cutPieces(stream, plan) : undefined);
  return { events: rig.takeEvents(), sent: rig.takeSent(), written: Buffer.concat(rig.writes) };
}

describe('client session (property)', () => {
  it('any cut of the server byte stream gives the same events and the same writes', () => {
    check(
      fc.property(scenarioArb, cutPlanArb, (s, plan) => {
        const whole = run(s, null);
        assert.deepEqual(whole.events, expectedEvents(s));
        assert.deepEqual(whole.sent, expectedSent(s));
        const cut = run(s, plan);
        assert.deepEqual(cut.events, whole.events);
        assert.ok(cut.written.equals(whole.written), 'the client wrote other bytes');
      }),
      60,
    );
  });

  it('a frame past the last answer due is a violation, however the stream is cut', () => {
    check(
      fc.property(scenarioArb, cutPlanArb, textArb, (s, plan, stray) => {
        const rig = scriptedRig(s);
        rig.session.start();
        const stream = Buffer.concat([serverStream(rig, s), rig.frame(stray)]);
        rig.feed(stream, cutPieces(stream, plan));
        const events = rig.takeEvents();
        assert.deepEqual(events.slice(0, -1), expectedEvents(s));
        assert.deepEqual(events.at(-1), { kind: 'violation', reason: 'server sent a frame that answers no request' });
        assert.equal(rig.session.phase, 'closed');
      }),
      40,
    );
  });
});
