import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { StreamCipher } from '../../src/protocol/cipher/stream';
import { FrameReader, encodeFrame, encodeSignal } from '../../src/protocol/frame';

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
