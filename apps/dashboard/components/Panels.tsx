import { REJECTION_REASONS } from '@gatewatch/events';
import { DASHBOARD_OTHERS } from '@gatewatch/store';
import { type Messages, useFormatter, useTranslations } from 'next-intl';
import type { ReactNode } from 'react';
import { useRangeLabel } from '../i18n/range.ts';
import { errorKind } from '../lib/errors.ts';
import { colorFor } from '../lib/palette.ts';
import type { LongRow } from '../lib/pivot.ts';
import { pivot } from '../lib/pivot.ts';
import type { View } from '../lib/view.ts';
import { Panel } from './Panel.tsx';
import { type ChartAnnotation, type SeriesDef, TimeChart } from './TimeChart.tsx';

/** The page title and its sub line (default: range, bucket width and data source). */
export function PageHeader({ title, view, sub }: { title: string; view: View; sub?: ReactNode }) {
  const t = useTranslations('page');
  const format = useFormatter();
  const range = useRangeLabel(view.range);
  const step =
    view.stepSec >= 60
      ? format.number(view.stepSec / 60, { style: 'unit', unit: 'minute', unitDisplay: 'short' })
      : format.number(view.stepSec, { style: 'unit', unit: 'second', unitDisplay: 'short' });
  return (
    <>
      <h1>{title}</h1>
      <p className="sub">
        {sub ?? t('sub', { range, step, source: t(`source.${view.rollup ? view.rollup : 'raw'}`) })}
      </p>
    </>
  );
}

export function ErrorState({ err }: { err: unknown }) {
  const t = useTranslations();
  const { kind, detail } = errorKind(err);
  return (
    <div className="callout error" role="alert">
      <strong>{t('page.cannotLoad')}</strong>
      <p>{kind === 'store' ? detail : t(`errors.${kind}`, { detail })}</p>
    </div>
  );
}

export function NoData() {
  const t = useTranslations('page');
  return (
    <div className="callout info" role="status" data-testid="no-data">
      <strong>{t('noDataTitle')}</strong>
      <p>{t.rich('noDataBody', { code: (c) => <code>{c}</code> })}</p>
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
  const t = useTranslations('page');
  const tr = useTranslations('reasons');
  const { data, keys } = pivot(rows, view.fromMs, view.chartToMs, view.stepSec, order);
  // Distinct colours within a chart (by rank); fixed maps (event ids, reasons) keep theirs everywhere.
  const series: SeriesDef[] = keys.map((k, i) => ({
    key: k,
    // Reason codes and the top-N remainder get their words; the other keys are data (node ids, event ids).
    label: Object.hasOwn(REJECTION_REASONS, k)
      ? tr(k as keyof Messages['reasons'])
      : (labels?.[k] ?? (k === DASHBOARD_OTHERS ? t('others') : k)),
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
      empty={keys.length === 0 ? (empty ?? t('chartEmpty')) : undefined}
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
