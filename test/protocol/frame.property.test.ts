import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CipherEngine, StreamCipher } from '../../src/protocol/cipher/stream';
import { WasmStreamCipher, wasmCipherAvailable } from '../../src/protocol/cipher/wasm';
import { FrameReader, type ReadResult, encodeFrame, encodeSignal } from '../../src/protocol/frame';
import { HEADER_SIZE } from '../../src/protocol/limits';
import { check, cutPieces, cutPlanArb, patternBytes, payloadArb, sessionKeyArb } from '../helpers/property';

const MAX_PAYLOAD = 70_000;

type Item = { payload: Buffer } | { signal: -1 | -2 | 0 };

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 4, arbitrary: payloadArb(MAX_PAYLOAD).map((payload) => ({ payload })) },
  { weight: 1, arbitrary: fc.constantFrom(-1 as const, -2 as const, 0 as const).map((signal) => ({ signal })) },
);

const engines: ('js' | 'wasm')[] = wasmCipherAvailable() ? ['js', 'wasm'] : ['js'];

function engine(kind: 'js' | 'wasm', key: Uint8Array): CipherEngine {
  return kind === 'wasm' ? new WasmStreamCipher(key) : new StreamCipher(key);
}

function encodeItem(item: Item, cipher: CipherEngine | null): Buffer {
  return 'payload' in item ? encodeFrame(item.payload, cipher) : encodeSignal(item.signal, cipher);
}

/** What the reader must return for an item: a zero header carries an empty body, a negative one none. */
function expected(item: Item): { length: number; payload: Buffer | null } {
  if ('payload' in item) return { length: item.payload.length, payload: item.payload };
  return { length: item.signal, payload: item.signal === 0 ? Buffer.alloc(0) : null };
}

/** Pushes the pieces one by one and pulls every frame that is complete after each push. */
function drain(
  reader: FrameReader,
  pieces: Buffer[],
  limit: number,
  onFrame: (got: Extract<ReadResult, { kind: 'frame' }>) => void,
): void {
  for (const piece of pieces) {
    reader.push(piece);
    for (;;) {
      const got = reader.next(limit);
      if (got.kind === 'partial') break;
      assert.equal(got.kind, 'frame', `unexpected ${got.kind}`);
      onFrame(got as Extract<ReadResult, { kind: 'frame' }>);
    }
  }
}

describe('frame decoder (property)', () => {
  it('decodes any sequence of frames and signals, cut anywhere, plain or enciphered', () => {
    check(
      fc.property(
        fc.array(itemArb, { maxLength: 8 }),
        fc.option(sessionKeyArb, { nil: null }),
        fc.constantFrom(...engines),
        fc.nat(),
        cutPlanArb,
        (items, key, kind, plainCount, plan) => {
          // Like the connection sequence: the first frames are plain, the cipher starts between frames.
          const plain = key === null ? items.length : plainCount % (items.length + 1);
          const tx = key === null ? null : engine(kind, key);
          const wire = Buffer.concat(items.map((item, i) => encodeItem(item, i < plain ? null : tx)));
          const reader = new FrameReader();
          if (plain === 0 && key !== null) reader.cipher = engine(kind, key);
          const got: { length: number; payload: Buffer | null }[] = [];
          drain(reader, cutPieces(wire, plan), MAX_PAYLOAD, (frame) => {
            got.push({ length: frame.length, payload: frame.payload === null ? null : Buffer.from(frame.payload) });
            if (got.length === plain && key !== null) reader.cipher = engine(kind, key);
          });
          assert.deepEqual(got, items.map(expected));
          assert.equal(reader.bufferedBytes, 0);
          assert.equal(reader.inFrame, false);
        },
      ),
      150,
    );
  });

  it('never throws on garbage, and every result respects the limit', () => {
    // Garbage: random bytes, or well-formed frames with bytes flipped, cut off or appended.
    const garbageArb = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
      fc
        .tuple(
          fc.array(itemArb, { maxLength: 4 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
          fc.nat(),
          fc.uint8Array({ maxLength: 16 }),
        )
        .map(([items, flips, cut, tail]) => {
          const wire = Buffer.concat(items.map((item) => encodeItem(item, null)));
          for (const [at, mask] of flips) if (wire.length > 0) wire[at % wire.length] ^= mask;
          return Buffer.concat([wire.subarray(0, cut % (wire.length + 1)), tail]);
        }),
    );
    const limitArb = fc.oneof(
      fc.integer({ min: 0, max: 16 }),
      fc.integer({ min: 0, max: MAX_PAYLOAD }),
      fc.constantFrom(4096, 524287, 524288, 2 ** 31 - 1),
    );
    check(
      fc.property(garbageArb, fc.option(sessionKeyArb, { nil: null }), limitArb, cutPlanArb, (bytes, key, limit, plan) => {
        const reader = new FrameReader();
        reader.cipher = key === null ? null : new StreamCipher(key);
        let pushed = 0;
        let consumed = 0;
        let parked: number | null = null;
        for (const piece of cutPieces(bytes, plan)) {
          reader.push(piece);
          pushed += piece.length;
          while (parked === null) {
            const got = reader.next(limit);
            if (got.kind === 'partial') break;
            if (got.kind === 'oversized') {
              assert.ok(got.length > limit, `oversized ${got.length} within limit ${limit}`);
              parked = got.length;
              break;
            }
            assert.equal(got.kind, 'frame');
            assert.ok(Number.isInteger(got.length) && got.length <= limit, `frame of ${got.length} over limit ${limit}`);
            if (got.length < 0) assert.equal(got.payload, null);
            else assert.equal(got.payload?.length, got.length);
            consumed += HEADER_SIZE + Math.max(0, got.length);
          }
        }
        if (parked !== null) {
          // Parked on the oversized header: asking again gives the same answer and consumes nothing.
          const before = reader.bufferedBytes;
          assert.deepEqual(reader.next(limit), { kind: 'oversized', length: parked });
          assert.equal(reader.bufferedBytes, before);
          assert.equal(pushed - consumed - HEADER_SIZE, before);
        } else {
          // What is not consumed is buffered, except a header already read for a payload still incomplete.
          const rest = pushed - consumed;
          const headerPending = rest !== reader.bufferedBytes;
          if (headerPending) assert.equal(rest - HEADER_SIZE, reader.bufferedBytes);
          else assert.ok(reader.bufferedBytes < HEADER_SIZE);
          assert.equal(reader.inFrame, rest > 0);
        }
      }),
      400,
    );
  });

  it('accepts a frame up to the limit and parks on one byte more', () => {
    check(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: -3, max: 3 }),
        fc.option(sessionKeyArb, { nil: null }),
        cutPlanArb,
        (limit, delta, key, plan) => {
          const length = Math.max(0, limit + delta);
          const payload = patternBytes(length, length);
          const wire = encodeFrame(payload, key === null ? null : new StreamCipher(key));
          const reader = new FrameReader();
          reader.cipher = key === null ? null : new StreamCipher(key);
          // Pull until the reader answers, then push the rest of the stream without pulling.
          let first: ReadResult = { kind: 'partial' };
          for (const piece of cutPieces(wire, plan)) {
            reader.push(piece);
            if (first.kind === 'partial') first = reader.next(limit);
          }
          if (length <= limit) {
            assert.deepEqual(first, { kind: 'frame', length, payload });
          } else {
            assert.deepEqual(first, { kind: 'oversized', length });
            assert.deepEqual(reader.next(limit), first, 'parked on the header');
            // Nothing past the header was consumed: a larger limit reads the same frame on.
            assert.deepEqual(reader.next(length), { kind: 'frame', length, payload });
          }
        },
      ),
      200,
    );
  });

  it('keeps a large payload split into single bytes exact', () => {
    // take() gathering a payload from thousands of one-byte chunks.
    const key = patternBytes(32, 7);
    const payload = patternBytes(20_000, 11);
    const wire = encodeFrame(payload, new StreamCipher(key));
    const reader = new FrameReader();
    reader.cipher = new StreamCipher(key);
    const got: Buffer[] = [];
    drain(reader, Array.from({ length: wire.length }, (_, i) => wire.subarray(i, i + 1)), MAX_PAYLOAD, (frame) =>
      got.push(frame.payload!),
    );
    assert.deepEqual(got, [payload]);
  });
});
