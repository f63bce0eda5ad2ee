import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import {
  FrameReader,
  type ReadResult,
  decodeGatewayPart,
  encodeFrame,
  encodeGatewaySend,
  encodeLeaveSequence,
  encodeSignal,
  gatewayLimit,
  identityProblem,
  leaveCommand,
  messageProblem,
} from '../../src/protocol/frame';
import { BUFFER_SIZE, GATEWAY_EXIT, MAX_IDENTITY, MAX_MESSAGE } from '../../src/protocol/limits';

function splitEverywhere(bytes: Buffer, step: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(bytes.subarray(i, i + step));
  return out;
}

describe('frame codec', () => {
  it('round-trips plain frames fed one byte at a time', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('OK'), randomBytes(5000)];
    const wire = Buffer.concat(payloads.map((p) => encodeFrame(p, null)));
    const reader = new FrameReader();
    const got: Buffer[] = [];
    for (const piece of splitEverywhere(wire, 1)) {
      reader.push(piece);
      for (;;) {
        const r = reader.next(1 << 20);
        if (r.kind !== 'frame') break;
        got.push(r.payload!);
      }
    }
    assert.deepEqual(got, payloads);
    assert.equal(reader.bufferedBytes, 0);
  });

  it('round-trips enciphered frames and signals in arbitrary pieces', () => {
    const key = randomBytes(48);
    const tx = new StreamCipher(key);
    const payloads = [Buffer.from('hello'), Buffer.alloc(0), randomBytes(70000)];
    const wire = Buffer.concat([...payloads.map((p) => encodeFrame(p, tx)), encodeSignal(-1, tx), encodeFrame('after', tx)]);
    for (const step of [1, 3, 4, 7, 1000, wire.length]) {
      const reader = new FrameReader();
      reader.cipher = new StreamCipher(key);
      const got: (Buffer | number)[] = [];
      for (const piece of splitEverywhere(wire, step)) {
        reader.push(Buffer.from(piece));
        for (;;) {
          const r = reader.next(1 << 20);
          if (r.kind !== 'frame') break;
          got.push(r.payload ?? r.length);
        }
      }
      assert.deepEqual(got, [...payloads, -1, Buffer.from('after')], `step ${step}`);
    }
  });

  it('reports an oversized header without consuming the payload', () => {
    const reader = new FrameReader();
    const header = Buffer.alloc(4);
    header.writeInt32BE(0x7fffffff);
    reader.push(header);
    assert.deepEqual(reader.next(524288), { kind: 'oversized', length: 0x7fffffff });
  });
});

/** The receiving side of a session keyed with `key`. */
function readerFor(key: Buffer): FrameReader {
  const reader = new FrameReader();
  reader.cipher = new StreamCipher(key);
  return reader;
}

function frameOf(got: ReadResult): { length: number; payload: Buffer | null } {
  assert.equal(got.kind, 'frame', `expected a frame, got ${got.kind}`);
  const { length, payload } = got as Extract<ReadResult, { kind: 'frame' }>;
  return { length, payload };
}

describe('gateway send', () => {
  it('reads back as destination and message with the receiving cipher, for every message size class', () => {
    const key = randomBytes(32);
    const tx = new StreamCipher(key);
    const reader = readerFor(key);
    for (const size of [0, 1, 4096, BUFFER_SIZE]) {
      const destination = randomBytes(1 + (size % 97));
      const message = randomBytes(size);
      reader.push(encodeGatewaySend(destination, message, tx));
      const first = frameOf(reader.next(gatewayLimit('destination')));
      const second = frameOf(reader.next(gatewayLimit('message')));
      assert.deepEqual(decodeGatewayPart('destination', first.length, first.payload), { kind: 'destination', destination });
      assert.deepEqual(decodeGatewayPart('message', second.length, second.payload), { kind: 'message', message });
    }
    assert.equal(reader.inFrame, false);
  });

  it('cuts the stream into the same cipher calls as two separate frames', () => {
    const key = randomBytes(24);
    const destination = Buffer.from('peer');
    const message = randomBytes(300);
    const joined = encodeGatewaySend(destination, message, new StreamCipher(key));
    const separate = new StreamCipher(key);
    const expected = Buffer.concat([encodeFrame(destination, separate), encodeFrame(message, separate)]);
    assert.ok(joined.equals(expected));
  });

  it('gives each position its limit: an identity may not fill the buffer, a message may', () => {
    assert.equal(gatewayLimit('destination'), MAX_IDENTITY);
    assert.equal(gatewayLimit('message'), MAX_MESSAGE);
    assert.equal(MAX_MESSAGE, BUFFER_SIZE);
  });

  it('decodes -1 as the leave, other signals as reserved, and any signal as the message as invalid', () => {
    assert.deepEqual(decodeGatewayPart('destination', GATEWAY_EXIT, null), { kind: 'leave' });
    assert.deepEqual(decodeGatewayPart('destination', -2, null), { kind: 'reserved', length: -2 });
    assert.deepEqual(decodeGatewayPart('destination', 0, Buffer.alloc(0)), { kind: 'reserved', length: 0 });
    assert.deepEqual(decodeGatewayPart('message', GATEWAY_EXIT, null), { kind: 'invalid', length: -1 });
    assert.deepEqual(decodeGatewayPart('message', 0, Buffer.alloc(0)), { kind: 'message', message: Buffer.alloc(0) });
  });

  it('validates identities and messages before they go on the wire', () => {
    assert.match(identityProblem(Buffer.alloc(0)) ?? '', /identity must be 1 to 524287 bytes, got 0/);
    assert.match(identityProblem(Buffer.alloc(MAX_IDENTITY + 1)) ?? '', /got 524288/);
    assert.equal(identityProblem(Buffer.alloc(MAX_IDENTITY)), null);
    assert.equal(identityProblem(Buffer.from('a')), null);
    assert.match(messageProblem(Buffer.alloc(MAX_MESSAGE + 1)) ?? '', /at most 524288 bytes, got 524289/);
    assert.equal(messageProblem(Buffer.alloc(MAX_MESSAGE)), null);
    assert.equal(messageProblem(Buffer.alloc(0)), null);
  });
});

describe('leave sequence', () => {
  it('reads back as the bare -1 and then ECHO of the token, fed one byte at a time', () => {
    const key = randomBytes(40);
    const token = 'tfgw-leave-0123456789abcdef';
    const reader = readerFor(key);
    const got: ReturnType<typeof frameOf>[] = [];
    for (const piece of splitEverywhere(encodeLeaveSequence(token, new StreamCipher(key)), 1)) {
      reader.push(Buffer.from(piece));
      for (let r = reader.next(BUFFER_SIZE); r.kind === 'frame'; r = reader.next(BUFFER_SIZE)) got.push(frameOf(r));
    }
    assert.deepEqual(got, [
      { length: GATEWAY_EXIT, payload: null },
      { length: 5 + token.length, payload: Buffer.from(`ECHO ${token}`) },
    ]);
    assert.equal(leaveCommand(token), `ECHO ${token}`);
  });

  it('advances the cipher as the signal and the frame written one after the other', () => {
    const key = randomBytes(16);
    const separate = new StreamCipher(key);
    const expected = Buffer.concat([encodeSignal(GATEWAY_EXIT, separate), encodeFrame('ECHO t', separate)]);
    assert.ok(encodeLeaveSequence('t', new StreamCipher(key)).equals(expected));
  });
});
