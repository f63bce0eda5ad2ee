import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costRatio, formatNumber, rateRatio, ratiosOf } from '../../src/bench/report';
import { Histogram, percentile, summarize } from '../../src/bench/stats';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 0.5), 50);
    assert.equal(percentile(sorted, 0.99), 99);
    assert.equal(percentile(sorted, 0.999), 100);
    assert.equal(percentile([7], 0.5), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it('summarizes unsorted samples exactly', () => {
    const s = summarize([5, 1, 4, 2, 3])!;
    assert.deepEqual(s, { count: 5, min: 1, mean: 3, p50: 3, p90: 5, p99: 5, p999: 5, max: 5 });
    assert.equal(summarize([]), null);
  });

  it('keeps histogram percentiles within about 1 % and merges', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all: number[] = [];
    for (let i = 1; i <= 20_000; i++) {
      const v = (i * 7919) % 10_007 / 100; // 0 .. 100 ms, scattered
      all.push(v);
      (i % 2 ? a : b).record(v);
    }
    const merged = new Histogram();
    merged.merge(a.toJSON());
    merged.merge(JSON.parse(JSON.stringify(b.toJSON())));
    const exact = summarize(all)!;
    const approx = merged.summary()!;
    assert.equal(approx.count, exact.count);
    assert.equal(approx.max, exact.max);
    assert.equal(approx.min, exact.min);
    for (const q of ['p50', 'p90', 'p99', 'p999'] as const) {
      assert.ok(Math.abs(approx[q] - exact[q]) <= exact[q] * 0.012, `${q}: ${approx[q]} vs ${exact[q]}`);
    }
    assert.equal(new Histogram().summary(), null);
  });
});

describe('bench report figures', () => {
  it('puts costs and rates against their floors the same way round', () => {
    assert.equal(costRatio(6, 2), 3);
    assert.equal(rateRatio(100, 300), 3);
    assert.equal(costRatio(1, null), null);
    assert.equal(rateRatio(0, 5), null);
    assert.deepEqual(ratiosOf([{ key: 'a', label: 'a', value: 1, unit: '', ratio: 2 }, { key: 'b', label: 'b', value: 1, unit: '' }]), {
      a: 2,
    });
  });

  it('formats numbers to about three figures', () => {
    assert.equal(formatNumber(12345.6), '12346');
    assert.equal(formatNumber(123.45), '123.5');
    assert.equal(formatNumber(4.56789), '4.57');
    assert.equal(formatNumber(0.012345), '0.0123');
    assert.equal(formatNumber(42), '42');
    assert.equal(formatNumber(null), '-');
  });
});
