'use client';
import { useFormatter } from 'next-intl';
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { type Formatter, formatBytes } from '../lib/units.ts';

export interface SeriesDef {
  key: string;
  label: string;
  color: string;
}
export type ChartPoint = { t: number } & Record<string, number | null>;
/** A shaded time span (e.g. an alert's firing period) drawn behind the series. */
export interface ChartAnnotation {
  from: number;
  to: number;
  label: string;
}

interface Props {
  data: ChartPoint[];
  series: SeriesDef[];
  fromMs: number;
  toMs: number;
  stacked?: boolean;
  /** Suffix of tooltip values; `bytes` formats axis and tooltip as KB/MB/GB in the reader's locale. */
  unit?: string;
  /** Accessible name of the chart (what it shows). */
  label: string;
  tall?: boolean;
  /** Shaded periods (alert firing episodes); parts outside [fromMs, toMs] are hidden. */
  annotations?: readonly ChartAnnotation[];
}

/** `12.3K`, `4.5万`, `0.25` in the reader's notation. */
function fmtNum(format: Formatter, v: number): string {
  return Math.abs(v) >= 1e3
    ? format.number(v, { notation: 'compact', maximumFractionDigits: 1 })
    : format.number(v, { maximumFractionDigits: 2 });
}

const TICK_STEPS_MS = [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60_000);

/** Round-time ticks (whole minutes/hours/days in UTC), at most ~8 per axis. */
export function niceTicks(fromMs: number, toMs: number, max = 8): number[] {
  const span = toMs - fromMs;
  const step = TICK_STEPS_MS.find((s) => span / s <= max) ?? span / max;
  const out: number[] = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs && out.length < 50; t += step) out.push(t);
  return out;
}

/**
 * An alert period's marker: a dot at its top-left corner, the alert's name and times on hover (SVG title),
 * so the labels of overlapping periods never print over each other.
 */
function AlertMarker({ x = 0, y = 0, text }: { x?: number; y?: number; text: string }) {
  return (
    <g className="alert-marker">
      <title>{text}</title>
      <circle cx={x + 2} cy={y + 2} r={4} fill="#e5484d" />
    </g>
  );
}

/** A time-series panel; the server already bucketed the data to about one point per pixel. */
export function TimeChart({ data, series, fromMs, toMs, stacked, unit, label, tall, annotations }: Props) {
  const format = useFormatter();
  const span = toMs - fromMs;
  const num = (v: number) => (unit === 'bytes' ? formatBytes(format, v) : fmtNum(format, v));
  // Axis ticks: time of day, with the date when the range spans days (UTC: the provider's time zone).
  const tick = (v: number) =>
    format.dateTime(
      v,
      span > 36 * 60 * 60_000
        ? { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
    );
  const suffix = unit && unit !== 'bytes' ? ` ${unit}` : '';
  const common = {
    data,
    responsive: true,
    style: { width: '100%', height: '100%' },
    margin: { top: 4, right: 8, bottom: 0, left: 0 },
    accessibilityLayer: true,
  };
  const axes = (
    <>
      <CartesianGrid stroke="var(--grid)" vertical={false} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={[fromMs, toMs]}
        ticks={niceTicks(fromMs, toMs)}
        tickFormatter={tick}
        stroke="var(--muted)"
        tick={{ fill: 'var(--muted)', fontSize: 11 }}
        minTickGap={40}
      />
      <YAxis
        width={unit === 'bytes' ? 68 : 52}
        stroke="var(--muted)"
        tick={{ fill: 'var(--muted)', fontSize: 11 }}
        tickFormatter={num}
        allowDecimals
      />
      <Tooltip
        labelFormatter={(v) => `${format.dateTime(Number(v), 'datetime')} UTC`}
        formatter={(v) => (typeof v === 'number' ? `${num(v)}${suffix}` : String(v))}
        contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }}
        labelStyle={{ color: 'var(--text)' }}
      />
      <Legend wrapperStyle={{ fontSize: 12 }} iconType="plainline" />
      {annotations?.map((a) => (
        <ReferenceArea
          key={`${a.label}-${a.from}-${a.to}`}
          x1={Math.max(a.from, fromMs)}
          x2={Math.min(a.to, toMs)}
          ifOverflow="hidden"
          className="alert-annotation"
          fill="#e5484d"
          fillOpacity={0.12}
          stroke="#e5484d"
          strokeOpacity={0.35}
          label={{
            position: 'insideTopLeft',
            content: <AlertMarker text={`${a.label}: ${format.dateTimeRange(a.from, a.to, 'minute')} UTC`} />,
          }}
        />
      ))}
    </>
  );
  return (
    <figure className={tall ? 'chart tall' : 'chart'} aria-label={label} style={{ margin: 0 }}>
      {stacked ? (
        <AreaChart {...common}>
          {axes}
          {series.map((s) => (
            <Area
              key={s.key}
              dataKey={s.key}
              name={s.label}
              stackId="1"
              type="linear"
              stroke={s.color}
              fill={s.color}
              fillOpacity={0.35}
              strokeWidth={1}
              isAnimationActive={false}
              dot={false}
              connectNulls={false}
            />
          ))}
        </AreaChart>
      ) : (
        <LineChart {...common}>
          {axes}
          {series.map((s) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={s.label}
              type="linear"
              stroke={s.color}
              strokeWidth={1.5}
              isAnimationActive={false}
              dot={false}
              connectNulls={false}
            />
          ))}
        </LineChart>
      )}
    </figure>
  );
}
