/** Percentiles (nearest rank) and the printed table. */
export const GOAL_P95_MS = 300;

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export interface Timing {
  range: string;
  page: string;
  panel: string;
  p50: number;
  p95: number;
  max: number;
  /** Process CPU time (user + system, all chDB threads) per run, p50 and p95: independent of other load. */
  cpu50: number;
  cpu95: number;
  runs: number;
  rows?: number;
}

export function summarize(samples: number[], cpu: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const c = [...cpu].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    max: s[s.length - 1] ?? Number.NaN,
    cpu50: percentile(c, 50),
    cpu95: percentile(c, 95),
  };
}

const ms = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}`;

/** A Markdown table (readable in a terminal too). */
export function table(rows: Timing[], goal: boolean): string {
  const head = [
    'range',
    'page',
    'panel',
    'p50 ms',
    'p95 ms',
    'cpu p50',
    'cpu p95',
    'runs',
    ...(goal ? ['p95 < 300 ms'] : []),
  ];
  const body = rows.map((r) => [
    r.range,
    r.page,
    r.panel,
    ms(r.p50),
    ms(r.p95),
    ms(r.cpu50),
    ms(r.cpu95),
    String(r.runs),
    ...(goal ? [r.p95 < GOAL_P95_MS ? 'PASS' : 'FAIL'] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 3 && i <= 7 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
