// The result table: one row per metric, medians and p90 per target, the ratio reference/docker and
// the goal. Printed as a Markdown table so that docs/benchmarks.md can take it as it is.
import { Metric, Unit } from './ops.js';
import { median, percentile } from './stats.js';

export interface Cell {
  samples: number[];
  errors: string[];
  median?: number;
  p90?: number;
  /** "failed: <first line>" when there was no successful sample */
  failed?: string;
}

export interface Row extends Metric {
  cells: Record<string, Cell>;
  ratio?: number;
  /** goal met? undefined when there is no goal or no ratio */
  met?: boolean;
  /** what the goal is, as shown in the "target" column */
  goalText?: string;
  note?: string;
}

export function finishCell(c: Cell): Cell {
  if (c.samples.length) {
    c.median = median(c.samples);
    c.p90 = percentile(c.samples, 90);
  } else {
    c.failed = `failed: ${c.errors[0] ?? 'not measured'}`;
  }
  return c;
}

/** Ratio reference/docker of the medians and whether it meets the metric's goal. */
export function finishRow(row: Row, ref = 'reference', base = 'docker'): Row {
  const a = row.cells[ref]?.median;
  const b = row.cells[base]?.median;
  if (a !== undefined && b !== undefined && b > 0) row.ratio = a / b;
  if (row.goal) {
    row.goalText = `${row.goal.op === '<=' ? '≤' : '≥'} ${row.goal.ratio}`;
    if (row.ratio !== undefined) row.met = row.goal.op === '<=' ? row.ratio <= row.goal.ratio : row.ratio >= row.goal.ratio;
  }
  return row;
}

function fmt(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return '–';
  switch (unit) {
    case 'MiB':
    case 's':
      return v.toFixed(1);
    case 'count':
      return v.toFixed(v % 1 ? 1 : 0);
    default:
      return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  }
}

function cellText(c: Cell | undefined, unit: Unit): string {
  if (!c) return '–';
  if (c.failed) return c.failed.length > 70 ? c.failed.slice(0, 69) + '…' : c.failed;
  const partial = c.errors.length ? ` (${c.errors.length} failed)` : '';
  if (c.samples.length === 1) return `${fmt(c.median!, unit)}${partial}`;
  return `${fmt(c.median!, unit)} (p90 ${fmt(c.p90!, unit)})${partial}`;
}

const escape = (s: string) => s.replace(/\|/g, '\\|');

export function renderTable(rows: Row[], targets: string[]): string {
  const head = ['operation', 'unit', ...targets.map((t) => `${t} median (p90)`), 'ratio ref/docker', 'target', 'met?'];
  const lines = [head, head.map(() => '---')];
  for (const r of rows) {
    lines.push([
      r.label,
      r.unit,
      ...targets.map((t) => cellText(r.cells[t], r.unit)),
      r.ratio === undefined ? '–' : r.ratio.toFixed(2),
      r.goalText ?? '',
      r.met === undefined ? (r.goalText ? '?' : '') : r.met ? 'yes' : 'NO',
    ]);
  }
  const out = lines.map((cols) => `| ${cols.map(escape).join(' | ')} |`);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.label}: ${r.note}`);
  return [...out, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
