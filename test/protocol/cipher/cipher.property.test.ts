import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CipherEngine, StreamCipher } from '../../../src/protocol/cipher/stream';
import { cipherKind, createCipher } from '../../../src/protocol/cipher';
import { WasmStreamCipher, wasmCipherAvailable } from '../../../src/protocol/cipher/wasm';
import { check, patternBytes, sessionKeyArb } from '../../helpers/property';

const hasWasm = wasmCipherAvailable();
const engines: ('js' | 'wasm')[] = hasWasm ? ['js', 'wasm'] : ['js'];

function engine(kind: 'js' | 'wasm', key: Uint8Array): CipherEngine {
  return kind === 'wasm' ? new WasmStreamCipher(key) : new StreamCipher(key);
}

/**
 * A byte stream and the sizes of the calls it is cut into: mostly small calls (the
 * 4-byte headers and short payloads), sometimes calls longer than the WebAssembly
 * engine's 64 KiB window, so that its window-by-window path runs too.
 */
const callsArb: fc.Arbitrary<Buffer[]> = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 3000 }).chain((n) => fc.integer().map((s) => patternBytes(n, s))) },
    { weight: 1, arbitrary: fc.integer({ min: 65_530, max: 140_000 }).chain((n) => fc.integer().map((s) => patternBytes(n, s))) },
  ),
  { maxLength: 10 },
);

describe('stream cipher (property)', () => {
  it('decrypts back to the input under the same cut into calls, for every engine', () => {
    check(
      fc.property(sessionKeyArb, callsArb, fc.constantFrom(...engines), fc.constantFrom(...engines), (key, calls, encKind, decKind) => {
        const enc = engine(encKind, key);
        const dec = engine(decKind, key);
        for (const plain of calls) {
          const data = Buffer.from(plain);
          enc.encrypt(data);
          dec.decrypt(data);
          assert.deepEqual(data, plain);
        }
      }),
      200,
    );
  });

  it('JavaScript and WebAssembly engines agree byte for byte, also with states interleaved', { skip: !hasWasm && 'no WebAssembly' }, () => {
    // Several states in flight at once, used in an arbitrary order: the WebAssembly engine
    // shares one instance among them and swaps state images in and out.
    const opArb = fc.record({ state: fc.nat(), encrypt: fc.boolean(), data: callsArb.map((c) => c[0] ?? Buffer.alloc(0)) });
    check(
      fc.property(fc.array(sessionKeyArb, { minLength: 1, maxLength: 4 }), fc.array(opArb, { maxLength: 30 }), (keys, ops) => {
        const js = keys.map((k) => new StreamCipher(k));
        const wasm = keys.map((k) => new WasmStreamCipher(k));
        for (const op of ops) {
          const i = op.state % keys.length;
          const a = Buffer.from(op.data);
          const b = Buffer.from(op.data);
          if (op.encrypt) {
            js[i]!.encrypt(a);
            wasm[i]!.encrypt(b);
          } else {
            js[i]!.decrypt(a);
            wasm[i]!.decrypt(b);
          }
          assert.deepEqual(b, a);
          assert.equal(wasm[i]!.seedHex, js[i]!.seedHex);
        }
        for (let i = 0; i < keys.length; i++) assert.deepEqual(wasm[i]!.keyBytes, js[i]!.keyBytes);
      }),
      300,
    );
  });

  it('createCipher builds the engine TFGW_CIPHER asks for, and it agrees with the plain one', () => {
    const saved = process.env.TFGW_CIPHER;
    try {
      check(
        fc.property(sessionKeyArb, callsArb, fc.constantFrom(...engines), (key, calls, kind) => {
          process.env.TFGW_CIPHER = kind;
          assert.equal(cipherKind(), kind);
          const made = createCipher(key);
          assert.ok(kind === 'wasm' ? made instanceof WasmStreamCipher : made instanceof StreamCipher);
          const ref = new StreamCipher(key);
          for (const plain of calls) {
            const a = Buffer.from(plain);
            const b = Buffer.from(plain);
            made.encrypt(a);
            ref.encrypt(b);
            assert.deepEqual(a, b);
          }
        }),
        60,
      );
    } finally {
      if (saved === undefined) delete process.env.TFGW_CIPHER;
      else process.env.TFGW_CIPHER = saved;
    }
  });
});
