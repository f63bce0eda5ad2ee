import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StreamCipher } from '../../../src/protocol/cipher/stream';
import { cipherKind, createCipher } from '../../../src/protocol/cipher';
import { WasmStreamCipher } from '../../../src/protocol/cipher/wasm';
import { CIPHER_WAT_SHA256 } from '../../../src/protocol/cipher/wasm/cipher-wasm-binary';

/** `len` bytes from a xorshift32 stream, so fast-check can replay a failing input. */
function bytesFrom(seed: number, len: number): Buffer {
  const out = Buffer.alloc(len);
  let x = seed | 0 || 1;
  for (let p = 0; p < len; p++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[p] = x & 0xff;
  }
  return out;
}

/** One JS state and one WASM state started from the same key. */
function pair(key: Uint8Array) {
  return { js: new StreamCipher(key), wasm: new WasmStreamCipher(key) };
}

function assertSameState(js: StreamCipher, wasm: WasmStreamCipher, what: string): void {
  assert.equal(wasm.seedHex, js.seedHex, `${what}: seed`);
  assert.deepEqual(Buffer.from(wasm.keyBytes), Buffer.from(js.keyBytes), `${what}: key`);
}

describe('wasm cipher against the js cipher', () => {
  it('agrees at the data window edges, for keys that do and do not divide them', () => {
    for (const keyLen of [16, 17, 214]) {
      const { js, wasm } = pair(bytesFrom(keyLen, keyLen));
      for (const len of [15, 16, 17, 65535, 65536, 65537, 131072, 200003, 524288]) {
        for (const op of ['encrypt', 'decrypt'] as const) {
          const a = bytesFrom(len, len);
          const b = Buffer.from(a);
          js[op](a);
          wasm[op](b);
          assert.ok(a.equals(b), `key ${keyLen}, ${op} ${len} bytes`);
          assertSameState(js, wasm, `key ${keyLen}, ${op} ${len} bytes`);
        }
      }
    }
  });

  it('agrees on random keys and random call splits, with two interleaved states', () => {
    const call = fc.record({
      state: fc.integer({ min: 0, max: 1 }),
      op: fc.constantFrom('encrypt' as const, 'decrypt' as const),
      len: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) },
        { weight: 3, arbitrary: fc.integer({ min: 65, max: 4096 }) },
        { weight: 1, arbitrary: fc.integer({ min: 65537, max: 200_000 }) },
      ),
      fill: fc.integer(),
    });
    const key = fc.uint8Array({ minLength: 16, maxLength: 214 });
    fc.assert(
      fc.property(key, key, fc.array(call, { maxLength: 12 }), (keyA, keyB, calls) => {
        const states = [pair(keyA), pair(keyB)];
        calls.forEach(({ state, op, len, fill }, n) => {
          const { js, wasm } = states[state]!;
          const a = bytesFrom(fill, len);
          const b = Buffer.from(a);
          js[op](a);
          wasm[op](b);
          assert.ok(a.equals(b), `call ${n}: ${op} ${len} bytes on state ${state}`);
          assertSameState(js, wasm, `call ${n}`);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('leaves the state alone on an empty call', () => {
    const { js, wasm } = pair(bytesFrom(7, 32));
    wasm.encrypt(new Uint8Array(0));
    wasm.decrypt(new Uint8Array(0));
    assertSameState(js, wasm, 'after empty calls');
  });

  it('takes keys of 8 to key_max bytes', () => {
    assert.throws(() => new WasmStreamCipher(new Uint8Array(7)), RangeError);
    assert.throws(() => new WasmStreamCipher(new Uint8Array(65521)), RangeError);
    const { js, wasm } = pair(bytesFrom(9, 65520));
    const a = bytesFrom(3, 70000);
    const b = Buffer.from(a);
    js.encrypt(a);
    wasm.encrypt(b);
    assert.ok(a.equals(b));
  });

  it('ships a binary assembled from the current cipher.wat', () => {
    const wat = path.join(__dirname, '..', '..', '..', '..', 'src', 'protocol', 'cipher', 'wasm', 'cipher.wat');
    const sha256 = createHash('sha256').update(readFileSync(wat, 'utf8')).digest('hex');
    assert.equal(CIPHER_WAT_SHA256, sha256, 'cipher.wat changed: run npm run build:wasm');
  });
});

describe('cipher factory', () => {
  it('prefers wasm and obeys TFGW_CIPHER', () => {
    assert.equal(cipherKind({}), 'wasm');
    assert.equal(cipherKind({ TFGW_CIPHER: '' }), 'wasm');
    assert.equal(cipherKind({ TFGW_CIPHER: 'js' }), 'js');
    assert.equal(cipherKind({ TFGW_CIPHER: 'wasm' }), 'wasm');
    assert.throws(() => cipherKind({ TFGW_CIPHER: 'c' }), /TFGW_CIPHER/);
  });

  it('creates the engine TFGW_CIPHER names', () => {
    const saved = process.env.TFGW_CIPHER;
    try {
      const key = bytesFrom(5, 32);
      delete process.env.TFGW_CIPHER;
      assert.ok(createCipher(key) instanceof WasmStreamCipher);
      process.env.TFGW_CIPHER = 'js';
      assert.ok(createCipher(key) instanceof StreamCipher);
      process.env.TFGW_CIPHER = 'wasm';
      assert.ok(createCipher(key) instanceof WasmStreamCipher);
    } finally {
      if (saved === undefined) delete process.env.TFGW_CIPHER;
      else process.env.TFGW_CIPHER = saved;
    }
  });
});
