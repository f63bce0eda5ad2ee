/**
 * The rows of a mode's table, built one way for every mode: a mode lists its
 * figures (results fields, quantiles of a timing, the odd computed figure) and
 * the floor each is read against; the keys, labels and ratios follow from that
 * list here, so no mode writes out rows of its own.
 */
import { type Row, costRatio, rateRatio } from './report';
import type { Summary } from './stats';

/** A floor and how a figure compares to it: a cost (value / floor) or a rate (floor / value). */
export interface Versus {
  floor: number | null | undefined;
  kind: 'cost' | 'rate';
}

export function asCost(floor: number | null | undefined): Versus {
  return { floor, kind: 'cost' };
}

export function asRate(floor: number | null | undefined): Versus {
  return { floor, kind: 'rate' };
}

/** One row; with `versus`, the floor beside it and their ratio. */
export function figure(key: string, label: string, value: number | null | undefined, unit: string, versus?: Versus): Row {
  const row: Row = { key, label, value: value ?? null, unit };
  if (versus) {
    row.floor = versus.floor;
    row.ratio = versus.kind === 'cost' ? costRatio(value, versus.floor) : rateRatio(value, versus.floor);
  }
  return row;
}

/** The names of the fields of T that hold a figure. */
export type FigureKey<T> = { [K in keyof T]: T[K] extends number | null ? K : never }[keyof T] & string;

/** A results field shown as a row: the field's name is the row's key. */
export type FieldSpec<T> = readonly [field: FigureKey<T>, label: string, unit: string, versus?: Versus];

/** Rows for fields of a results object, in the order given. */
export function fieldRows<T>(results: T, specs: readonly FieldSpec<T>[]): Row[] {
  return specs.map(([field, label, unit, versus]) => figure(field, label, results[field] as number | null, unit, versus));
}

export type Quantile = 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean';

/** How a quantile reads in a label: p999 is p99.9. */
function quantileName(q: Quantile): string {
  return q === 'p999' ? 'p99.9' : q;
}

/** A floor's timing and the quantiles shown beside it. */
export interface QuantileFloor {
  summary: Summary | null | undefined;
  at: readonly Quantile[];
}

/**
 * Rows for quantiles of a timing (ms): key `<key>.<q>`, label `<label> <q>`;
 * the quantiles in `floor.at` beside the floor's same quantile, as costs.
 */
export function quantileRows(
  key: string,
  label: string,
  summary: Summary | null | undefined,
  quantiles: readonly Quantile[],
  floor?: QuantileFloor,
): Row[] {
  return quantiles.map((q) =>
    figure(
      `${key}.${q}`,
      `${label} ${quantileName(q)}`,
      summary?.[q],
      'ms',
      floor?.at.includes(q) ? asCost(floor.summary?.[q] ?? null) : undefined,
    ),
  );
}
