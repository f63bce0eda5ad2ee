import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asCost, asRate, fieldRows, figure, quantileRows } from '../../src/bench/rows';
import type { Summary } from '../../src/bench/stats';

const timing = (base: number): Summary => ({
  count: 4,
  min: base,
  mean: base * 2,
  p50: base * 2,
  p90: base * 3,
  p99: base * 4,
  p999: base * 5,
  max: base * 6,
});

describe('bench table rows', () => {
  it('shows a figure without a floor as plain', () => {
    assert.deepEqual(figure('sent', 'sent', 12, 'msgs'), { key: 'sent', label: 'sent', value: 12, unit: 'msgs' });
    assert.deepEqual(figure('gone', 'gone', undefined, ''), { key: 'gone', label: 'gone', value: null, unit: '' });
  });

  it('reads a cost as value / floor and a rate as floor / value', () => {
    const cost = figure('p50', 'p50', 6, 'ms', asCost(2));
    assert.equal(cost.floor, 2);
    assert.equal(cost.ratio, 3);
    const rate = figure('rate', 'rate', 250, '/s', asRate(1000));
    assert.equal(rate.floor, 1000);
    assert.equal(rate.ratio, 4);
    assert.equal(figure('x', 'x', 5, 'ms', asCost(null)).ratio, null);
    assert.equal(figure('x', 'x', 0, '/s', asRate(10)).ratio, null);
  });

  it('takes fields by name, in the order given, each with its floor', () => {
    const rows = fieldRows({ sent: 10, lost: 2, rate: 50, name: 'x' }, [
      ['lost', 'lost', 'msgs'],
      ['sent', 'sent', 'msgs'],
      ['rate', 'delivered', '/s', asRate(100)],
    ]);
    assert.deepEqual(
      rows.map((r) => [r.key, r.label, r.value, r.unit, r.ratio ?? null]),
      [
        ['lost', 'lost', 2, 'msgs', null],
        ['sent', 'sent', 10, 'msgs', null],
        ['rate', 'delivered', 50, '/s', 2],
      ],
    );
  });

  it('names quantile rows after the timing, p999 as p99.9, and floors only those asked', () => {
    const rows = quantileRows('rt', 'round trip', timing(1), ['p50', 'p999', 'max'], { summary: timing(0.5), at: ['p50', 'p999'] });
    assert.deepEqual(
      rows.map((r) => [r.key, r.label, r.value, r.unit, r.floor ?? null, r.ratio ?? null]),
      [
        ['rt.p50', 'round trip p50', 2, 'ms', 1, 2],
        ['rt.p999', 'round trip p99.9', 5, 'ms', 2.5, 2],
        ['rt.max', 'round trip max', 6, 'ms', null, null],
      ],
    );
  });

  it('keeps the rows of a timing that was not measured, with no value and no ratio', () => {
    const rows = quantileRows('rt', 'round trip', null, ['p50', 'p99'], { summary: null, at: ['p50'] });
    assert.deepEqual(
      rows.map((r) => [r.key, r.value, r.floor ?? null, r.ratio ?? null]),
      [
        ['rt.p50', null, null, null],
        ['rt.p99', null, null, null],
      ],
    );
  });
});
