import type { ReactNode } from 'react';
import { describeError } from '../lib/errors.ts';
import { colorFor } from '../lib/palette.ts';
import type { LongRow } from '../lib/pivot.ts';
import { pivot } from '../lib/pivot.ts';
import type { View } from '../lib/view.ts';
import { Panel } from './Panel.tsx';
import { type ChartAnnotation, type SeriesDef, TimeChart } from './TimeChart.tsx';

const SOURCE = {
  raw: 'raw samples',
  '1m': 'per-minute rollups',
  '5m': '5-minute counter and per-minute event rollups',
  '1h': 'per-hour rollups',
} as const;

/** The page title and its sub line (default: range, bucket width and data source). */
export function PageHeader({ title, view, sub }: { title: string; view: View; sub?: ReactNode }) {
  const step = view.stepSec >= 60 ? `${view.stepSec / 60} min` : `${view.stepSec} s`;
  return (
    <>
      <h1>{title}</h1>
      <p className="sub">
        {sub ?? `${view.range.label} (UTC) · ${step} buckets · ${SOURCE[view.rollup ? view.rollup : 'raw']}`}
      </p>
    </>
  );
}

export function ErrorState({ err }: { err: unknown }) {
  return (
    <div className="callout error" role="alert">
      <strong>Cannot load this view.</strong>
      <p>{describeError(err)}</p>
    </div>
  );
}

export function NoData() {
  return (
    <div className="callout info" role="status" data-testid="no-data">
      <strong>No gateway has reported in this time range.</strong>
      <p>
        Start one with <code>npm start</code> (gateway, ingester and dashboard in one process), or pick a
        longer time range above. Scale-out deployments: check that the ingester is running and points at the
        same ClickHouse (<code>CLICKHOUSE_URL</code>).
      </p>
    </div>
  );
}

interface ChartPanelProps {
  id: string;
  title: string;
  hint?: string;
  rows: readonly LongRow[];
  view: View;
  stacked?: boolean;
  unit?: string;
  /** Display names for series keys. */
  labels?: Record<string, string>;
  colors?: Record<string, string>;
  order?: readonly string[];
  tall?: boolean;
  empty?: ReactNode;
  /** Shaded periods, e.g. alert firing episodes (see lib/annotations.ts). */
  annotations?: readonly ChartAnnotation[];
}

/** A chart panel: pivots server-bucketed rows (gaps filled) and renders them. */
export function ChartPanel({
  id,
  title,
  hint,
  rows,
  view,
  stacked,
  unit,
  labels,
  colors,
  order,
  tall,
  empty,
  annotations,
}: ChartPanelProps) {
  const { data, keys } = pivot(rows, view.fromMs, view.chartToMs, view.stepSec, order);
  // Distinct colours within a chart (by rank); fixed maps (event ids, reasons) keep theirs everywhere.
  const series: SeriesDef[] = keys.map((k, i) => ({
    key: k,
    label: labels?.[k] ?? k,
    color: colors?.[k] ?? colorFor(i, k),
  }));
  return (
    <Panel
      id={id}
      title={title}
      hint={hint}
      data-testid={`chart-${id}`}
      data-series={keys.length}
      data-annotations={annotations?.length ?? 0}
      empty={keys.length === 0 ? (empty ?? 'No data in this range.') : undefined}
    >
      <TimeChart
        data={data}
        series={series}
        fromMs={view.fromMs}
        toMs={view.chartToMs}
        stacked={stacked}
        unit={unit}
        label={title}
        tall={tall}
        annotations={annotations}
      />
    </Panel>
  );
}

export function Stat({
  label,
  value,
  note,
  testId,
}: {
  label: string;
  value: ReactNode;
  /** A line under the value (what exactly it counts). */
  note?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {note ? <div className="label note">{note}</div> : null}
    </div>
  );
}
