/**
 * Shared setup for the property tests (test/property/).
 *
 * Runs are reproducible by default: every property uses the same fixed seed and a
 * modest number of runs. The environment widens them:
 *   FC_NUM_RUNS=20x   multiplies every property's default number of runs (also `x20`);
 *   FC_NUM_RUNS=5000  runs every property exactly that many times;
 *   FC_SEED=123       another fixed seed; FC_SEED=random picks a fresh one per property;
 *   FC_PATH=...       replays one counterexample (with the seed fast-check printed).
 * On failure fast-check reports the seed and path, and the shrunk counterexample.
 */
import fc from 'fast-check';

export const DEFAULT_SEED = 0x7f6a_2026;

/** The number of runs for a property whose default is `base`, after FC_NUM_RUNS. */
export function runsFor(base: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.FC_NUM_RUNS ?? '').trim();
  if (raw === '') return base;
  const times = /^(?:x(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)x)$/i.exec(raw);
  if (times) return Math.max(1, Math.round(base * Number(times[1] ?? times[2])));
  if (/^\d+$/.test(raw) && Number(raw) > 0) return Number(raw);
  throw new Error(`FC_NUM_RUNS must be a count (5000) or a multiplier (20x), not ${JSON.stringify(raw)}`);
}

/** The seed from FC_SEED, or the fixed default. */
export function seedFor(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.FC_SEED ?? '').trim();
  if (raw === '') return DEFAULT_SEED;
  if (raw === 'random') return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  if (/^-?\d+$/.test(raw)) return Number(raw) | 0;
  throw new Error(`FC_SEED must be an integer or "random", not ${JSON.stringify(raw)}`);
}

/** fc.assert with the project's seed and run count; `runs` is the default count. */
export function check<Ts>(property: fc.IProperty<Ts>, runs: number): void {
  const path = process.env.FC_PATH?.trim();
  fc.assert(property, { seed: seedFor(), numRuns: runsFor(runs), ...(path ? { path } : {}) });
}

/** `length` bytes of a fixed pseudo-random pattern (cheaper than drawing each byte). */
export function patternBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A payload of 0..`max` bytes: mostly small ones drawn byte by byte (they shrink
 * well), sometimes large ones from a pattern, including the exact bounds.
 */
export function payloadArb(max: number): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: Math.min(max, 64) }).map((b) => Buffer.from(b)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max }), fc.integer())
        .map(([length, seed]) => patternBytes(length, seed)),
    },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, max).map((length) => patternBytes(length, length + 1)) },
  );
}

/**
 * A session key of 16..214 bytes. Besides uniform keys, it draws keys whose seed
 * starts at zero and keys of one repeated byte, where the cipher's seed reload runs.
 */
export const sessionKeyArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 214 }).map((k) => Buffer.from(k)) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 8, maxLength: 206 })
      .map((rest) => Buffer.concat([Buffer.alloc(8), rest])),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 16, max: 214 }), fc.integer({ min: 0, max: 255 }))
      .map(([n, byte]) => Buffer.alloc(n, byte)),
  },
);

/**
 * How to cut a byte stream into pieces: piece sizes used in turn, over and over.
 * Zero sizes produce empty pieces. Sizes range from single bytes to whole frames.
 */
export const cutPlanArb: fc.Arbitrary<number[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 9 }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 5000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 140_000 }) },
  ),
  { minLength: 1, maxLength: 12 },
);

/**
 * At most this many pieces per cut; the rest of the stream goes as one last piece.
 * FrameReader slows down quadratically with the number of pieces in one frame (see
 * the todo test in frame-decoder.test.ts), and the properties need not pay for that.
 */
export const MAX_PIECES = 2048;

/** Cuts `data` into pieces following `plan` (see cutPlanArb); the pieces concatenate to `data`. */
export function cutPieces(data: Buffer, plan: readonly number[]): Buffer[] {
  if (!plan.some((n) => n > 0)) return [data];
  const pieces: Buffer[] = [];
  let at = 0;
  for (let turn = 0; at < data.length; turn++) {
    const size = pieces.length === MAX_PIECES - 1 ? data.length - at : plan[turn % plan.length]!;
    pieces.push(data.subarray(at, at + size));
    at += size;
  }
  return pieces;
}
