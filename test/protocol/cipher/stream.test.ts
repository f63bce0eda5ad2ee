import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type CipherEngine, StreamCipher, isDegenerateKey } from '../../../src/protocol/cipher/stream';
import { WasmStreamCipher } from '../../../src/protocol/cipher/wasm';

interface VectorCall {
  op: 'encrypt' | 'decrypt';
  input_hex?: string;
  output_hex?: string;
  input_len?: number;
  input_sha256?: string;
  output_sha256?: string;
  output_head_hex?: string;
  output_tail_hex?: string;
  seed_after: string;
  key_after_hex: string;
}
interface VectorCase {
  name: string;
  key_hex: string;
  seed_initial: string;
  calls: VectorCall[];
}

const vectorsPath = path.join(__dirname, '..', '..', '..', '..', 'test', 'data', 'cipher-vectors.json');
const cases = (JSON.parse(readFileSync(vectorsPath, 'utf8')) as { cases: VectorCase[] }).cases;

function inputOf(call: VectorCall): Buffer {
  if (call.input_hex !== undefined) return Buffer.from(call.input_hex, 'hex');
  const out = Buffer.alloc(call.input_len!);
  for (let i = 0; i < out.length; i++) out[i] = i % 251;
  assert.equal(createHash('sha256').update(out).digest('hex'), call.input_sha256);
  return out;
}

/** An engine with the state getters the vectors check. */
type InspectableEngine = CipherEngine & { readonly seedHex: string; readonly keyBytes: Uint8Array };

const engines: [string, (key: Uint8Array) => InspectableEngine][] = [
  ['js', (key) => new StreamCipher(key)],
  ['wasm', (key) => new WasmStreamCipher(key)],
];

describe('stream cipher golden vectors', () => {
  it('has the cases the vectors README describes', () => {
    assert.ok(cases.length >= 12, `only ${cases.length} cases`);
  });
  for (const [engine, make] of engines) {
    describe(engine, () => {
      for (const vc of cases) {
        it(vc.name, () => {
          const cipher = make(Buffer.from(vc.key_hex, 'hex'));
          assert.equal(cipher.seedHex, vc.seed_initial);
          vc.calls.forEach((call, n) => {
            const data = inputOf(call);
            cipher[call.op](data);
            if (call.output_hex !== undefined) {
              assert.equal(data.toString('hex'), call.output_hex, `call ${n} output`);
            } else {
              assert.equal(createHash('sha256').update(data).digest('hex'), call.output_sha256, `call ${n} sha256`);
              assert.equal(data.subarray(0, 32).toString('hex'), call.output_head_hex);
              assert.equal(data.subarray(data.length - 32).toString('hex'), call.output_tail_hex);
            }
            assert.equal(cipher.seedHex, call.seed_after, `call ${n} seed`);
            assert.equal(Buffer.from(cipher.keyBytes).toString('hex'), call.key_after_hex, `call ${n} key`);
          });
        });
      }
    });
  }
});

describe('degenerate keys', () => {
  it('flags the vectors whose seed is zero, wraps to zero or sticks', () => {
    for (const name of ['zero-seed-key32', 'all-zero-key16', 'seed-wraps-to-zero-key16', 'seed-fixed-point-key16']) {
      const vc = cases.find((c) => c.name === name);
      assert.ok(vc, name);
      assert.equal(isDegenerateKey(Buffer.from(vc.key_hex, 'hex')), true, name);
    }
  });
  it('accepts the ordinary vector keys', () => {
    for (const name of ['lengths-key16', 'lengths-key32', 'lengths-key64', 'lengths-key214']) {
      const vc = cases.find((c) => c.name === name)!;
      assert.equal(isDegenerateKey(Buffer.from(vc.key_hex, 'hex')), false, name);
    }
  });
});
