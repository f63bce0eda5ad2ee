/**
 * Percentiles of timing samples (milliseconds): exact ones from a list of
 * samples, and a log-bucket histogram for runs too long to keep every sample,
 * which worker processes can ship to the coordinator and merge.
 */

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  /** The 99.9th percentile. */
  p999: number;
  max: number;
}

const QUANTILES = { p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999 } as const;

/** Nearest-rank percentile (q in 0..1) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1]!;
}

/** Exact summary of the samples; null when there are none. */
export function summarize(samples: ArrayLike<number>): Summary | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0]!,
    mean: sum / sorted.length,
    p50: percentile(sorted, QUANTILES.p50),
    p90: percentile(sorted, QUANTILES.p90),
    p99: percentile(sorted, QUANTILES.p99),
    p999: percentile(sorted, QUANTILES.p999),
    max: sorted[sorted.length - 1]!,
  };
}

/** A histogram as it travels between processes. */
export interface HistogramData {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** [bucket, count] for the non-empty buckets. */
  buckets: [number, number][];
}

/** Values at or under this (ms) share bucket 0. */
const FLOOR_MS = 0.001;
/** Buckets per doubling: each about 1.1 % wide. */
const PER_OCTAVE = 64;
/** Enough octaves above 1 µs for about 12 days; anything longer lands in the last bucket. */
const BUCKETS = 40 * PER_OCTAVE + 1;

/** Samples in log-spaced buckets: fixed memory, mergeable, percentiles within about 1 %. */
export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  record(ms: number): void {
    const v = Math.max(ms, 0);
    const b = v <= FLOOR_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(v / FLOOR_MS) * PER_OCTAVE) + 1);
    this.counts[b]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  clear(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }

  merge(data: HistogramData): void {
    if (data.count === 0) return;
    for (const [b, c] of data.buckets) this.counts[b]! += c;
    this.count += data.count;
    this.sum += data.sum;
    this.min = Math.min(this.min, data.min);
    this.max = Math.max(this.max, data.max);
  }

  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    this.counts.forEach((c, b) => {
      if (c > 0) buckets.push([b, c]);
    });
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, buckets };
  }

  /** The value at nearest rank `q` (0..1): the middle of its bucket, kept within [min, max]. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.min(this.count, Math.max(1, Math.ceil(q * this.count)));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) {
        const mid = b === 0 ? FLOOR_MS / 2 : FLOOR_MS * 2 ** ((b - 0.5) / PER_OCTAVE);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  summary(): Summary | null {
    if (this.count === 0) return null;
    return {
      count: this.count,
      min: this.min,
      mean: this.sum / this.count,
      p50: this.quantile(QUANTILES.p50),
      p90: this.quantile(QUANTILES.p90),
      p99: this.quantile(QUANTILES.p99),
      p999: this.quantile(QUANTILES.p999),
      max: this.max,
    };
  }
}
