/**
 * The end of a run: one aligned table on stdout, or with --json one JSON object
 * with the same figures, for scripts. Each figure that has a floor is shown
 * beside it with their ratio: how many times the floor's cost the figure is
 * (value / floor for durations and memory, floor / value for rates), so 1 is as
 * good as the floor and bigger is slower.
 */
import type { BenchCpu } from './cpu';

export interface Row {
  /** Stable name, used for the JSON ratios. */
  key: string;
  label: string;
  value: number | null;
  unit: string;
  floor?: number | null;
  ratio?: number | null;
}

export interface BenchReport {
  mode: string;
  /** `host:port` of the server, absent for the floors. */
  target?: string;
  params: Record<string, unknown>;
  results: unknown;
  /** The floors measured in this run, or null. */
  floor: unknown;
  /** key of a row → its ratio to the floor. */
  ratios: Record<string, number>;
  benchCpu: BenchCpu | null;
  warnings: string[];
}

/** A cost (duration, memory) relative to its floor: value / floor. */
export function costRatio(value: number | null | undefined, floor: number | null | undefined): number | null {
  return value != null && floor != null && floor > 0 ? value / floor : null;
}

/** A rate's cost relative to its floor rate: floor / value. */
export function rateRatio(value: number | null | undefined, floor: number | null | undefined): number | null {
  return value != null && floor != null && value > 0 ? floor / value : null;
}

export function ratiosOf(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) if (row.ratio != null && Number.isFinite(row.ratio)) out[row.key] = row.ratio;
  return out;
}

/** A number with about three significant digits, integers above 1000 in full. */
export function formatNumber(v: number | null | undefined): string {
  if (v == null || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a >= 1000 || Number.isInteger(v)) return Math.round(v).toString();
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toPrecision(3);
}

export function renderTable(report: BenchReport, rows: Row[]): string {
  const withFloor = rows.some((r) => r.floor != null);
  const header = ['METRIC', 'VALUE', 'UNIT', ...(withFloor ? ['FLOOR', 'x FLOOR'] : [])];
  const body = rows.map((r) => [
    r.label,
    formatNumber(r.value),
    r.unit,
    ...(withFloor ? [r.floor == null ? '' : formatNumber(r.floor), r.ratio == null ? '' : `${r.ratio.toFixed(2)}x`] : []),
  ]);
  const right = new Set([1, 3, 4]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  const params = Object.entries(report.params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  out.push(`tfgw bench ${report.mode}${report.target ? ` against ${report.target}` : ''}${params ? `  (${params})` : ''}`);
  out.push(line(header));
  for (const row of body) out.push(line(row));
  if (withFloor) out.push('x FLOOR: times the cost of the floor (value / floor; for rates floor / value)');
  const cpu = report.benchCpu;
  if (cpu) {
    out.push(
      `bench cpu: ${cpu.percentOfCore.toFixed(0)}% of one core in ${cpu.processes} processes ` +
        `(busiest ${cpu.busiestPercent.toFixed(0)}%, event loop ${(100 * cpu.busiestEventLoop).toFixed(0)}%)`,
    );
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

export function renderJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
