import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_IDENTITY, MAX_MESSAGE } from '../../src/protocol/limits';
import { OK } from '../../src/protocol/replies';
import { check, cutPieces, cutPlanArb, patternBytes, payloadArb, sessionKeyArb } from '../helpers/property';
import { SessionRig } from '../helpers/session-rig';

type Item = { destination: Buffer; message: Buffer } | { signal: number };

const destinationArb = fc.oneof(
  { weight: 30, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b)) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => patternBytes(n, n)) },
  { weight: 1, arbitrary: fc.constant(MAX_IDENTITY).map((n) => patternBytes(n, 3)) },
);

const messageArb = fc.oneof(
  { weight: 40, arbitrary: payloadArb(4000) },
  { weight: 1, arbitrary: fc.constant(MAX_MESSAGE).map((n) => patternBytes(n, 5)) },
);

/** Valid (destination, message) pairs and the reserved signals: 0 and -2..-100. */
const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ destination: destinationArb, message: messageArb }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(0), fc.integer({ min: -100, max: -2 })).map((signal) => ({ signal })) },
);

function encodeItems(rig: SessionRig, items: Item[]): Buffer {
  return Buffer.concat(
    items.flatMap((item) =>
      'signal' in item ? [rig.header(item.signal)] : [rig.gatewaySend(item.destination, item.message)],
    ),
  );
}

function pairsOf(items: Item[]): [Buffer, Buffer][] {
  return items.flatMap((item): [Buffer, Buffer][] => ('signal' in item ? [] : [[item.destination, item.message]]));
}

describe('gateway loop (property)', () => {
  it('relays exactly the valid pairs in order, ignoring reserved signals, and leaves on -1', () => {
    check(
      fc.property(
        sessionKeyArb,
        fc.array(itemArb, { maxLength: 12 }),
        cutPlanArb,
        fc.array(fc.nat(), { maxLength: 4 }),
        (key, items, plan, deliveryPoints) => {
          const rig = new SessionRig();
          rig.enterGateway(key);
          const wire = encodeItems(rig, items);
          const pieces = cutPieces(wire, plan);
          // Deliveries to this client go out between pieces, while its own frames come in.
          const deliverAt = new Set(deliveryPoints.map((p) => p % (pieces.length + 1)));
          pieces.forEach((piece, i) => {
            if (deliverAt.has(i)) assert.ok(rig.deliver(Buffer.from(`delivery ${i}`)));
            rig.feed(piece);
          });
          assert.deepEqual(rig.relayed, pairsOf(items));
          assert.equal(rig.session.phase, 'gw-destination');
          assert.deepEqual(rig.takeReplies(), [], 'the gateway loop answers nothing');
          assert.equal(rig.closed, false);

          rig.signal(-1);
          assert.equal(rig.leaves, 1);
          assert.equal(rig.session.phase, 'command');
          assert.deepEqual(rig.takeReplies(), [], '-1 gets no reply');
          assert.equal(rig.deliver(Buffer.from('after leaving')), false);
          rig.send('ECHO back at the prompt');
          assert.deepEqual(rig.takeReplies(), ['back at the prompt']);
          assert.equal(rig.relayed.length, pairsOf(items).length);
        },
      ),
      250,
    );
  });

  it('holds everything sent while the identity claim is pending, then relays it in order', () => {
    check(
      fc.property(sessionKeyArb, fc.array(itemArb, { maxLength: 8 }), fc.nat(), cutPlanArb, (key, items, early, plan) => {
        const rig = new SessionRig();
        rig.handshake(key);
        rig.send('XS_GATEWAY');
        rig.send('alice');
        assert.equal(rig.session.phase, 'gw-claiming');
        const pieces = cutPieces(encodeItems(rig, items), plan);
        const before = early % (pieces.length + 1);
        for (const piece of pieces.slice(0, before)) rig.feed(piece);
        assert.deepEqual(rig.relayed, [], 'relayed before the identity was granted');
        rig.session.identityResult(OK);
        for (const piece of pieces.slice(before)) rig.feed(piece);
        assert.deepEqual(rig.takeReplies(), [OK, OK]);
        assert.deepEqual(rig.relayed, pairsOf(items));
        assert.equal(rig.session.phase, 'gw-destination');
      }),
      100,
    );
  });

  it('treats any bare header at the identity, destination and message positions as documented', () => {
    const headerArb = fc.oneof(
      fc.constantFrom(-1, 0, MAX_IDENTITY, MAX_IDENTITY + 1, MAX_MESSAGE, MAX_MESSAGE + 1, -(2 ** 31), 2 ** 31 - 1),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    );
    check(
      fc.property(sessionKeyArb, headerArb, fc.constantFrom('identity', 'destination', 'message'), (key, value, where) => {
        const rig = new SessionRig();
        if (where === 'identity') {
          rig.handshake(key);
          rig.send('XS_GATEWAY');
          rig.takeReplies();
        } else {
          rig.enterGateway(key);
          if (where === 'message') rig.send('bob');
        }
        rig.signal(value);
        const replies = rig.takeReplies();
        const phase = rig.session.phase;
        if (where === 'identity') {
          // -1 leaves silently; other headers of no payload (0, negative) are an empty identity.
          if (value === -1) assert.deepEqual([replies, phase], [[], 'command']);
          else if (value <= 0) assert.deepEqual([replies, phase], [['FAILED 1 : Access denied to location.'], 'command']);
          else if (value > MAX_IDENTITY) assert.deepEqual([replies, rig.closes[0]?.violation], [[], true]);
          else assert.deepEqual([replies, phase], [[], 'gw-identity'], 'waits for the identity bytes');
        } else if (where === 'destination') {
          // -1 leaves; 0 and the other negative values are reserved signals, ignored.
          if (value === -1) assert.deepEqual([replies, phase, rig.leaves], [[], 'command', 1]);
          else if (value <= 0) assert.deepEqual([replies, phase, rig.closed], [[], 'gw-destination', false]);
          else if (value > MAX_IDENTITY) assert.deepEqual([replies, rig.closes[0]?.violation], [[], true]);
          else assert.deepEqual([replies, phase], [[], 'gw-destination'], 'waits for the destination bytes');
        } else {
          // A message may be empty; a negative length or one over the buffer is a violation.
          if (value < 0 || value > MAX_MESSAGE) assert.deepEqual([replies, rig.closes[0]?.violation], [[], true]);
          else if (value === 0) assert.deepEqual([rig.relayed, phase], [[[Buffer.from('bob'), Buffer.alloc(0)]], 'gw-destination']);
          else assert.deepEqual([replies, phase], [[], 'gw-message'], 'waits for the message bytes');
        }
        assert.ok(value === 0 && where === 'message' ? rig.relayed.length === 1 : rig.relayed.length === 0);
      }),
      300,
    );
  });

  it('leaves at -1 wherever it falls between pairs, and relays nothing after it', () => {
    check(
      fc.property(
        sessionKeyArb,
        fc.array(itemArb, { maxLength: 6 }),
        fc.array(fc.record({ destination: destinationArb, message: payloadArb(64) }), { maxLength: 4 }),
        (key, before, after) => {
          const rig = new SessionRig();
          rig.enterGateway(key);
          // After -1 the same bytes are commands: pairs then read as command texts, never relayed.
          rig.feed(Buffer.concat([encodeItems(rig, before), rig.header(-1)]));
          assert.equal(rig.leaves, 1);
          const relayed = rig.relayed.length;
          assert.equal(relayed, pairsOf(before).length);
          for (const pair of after) {
            if (rig.session.phase !== 'command') break;
            rig.send(pair.destination);
          }
          assert.equal(rig.relayed.length, relayed);
        },
      ),
      100,
    );
  });
});
