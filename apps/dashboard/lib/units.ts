/**
 * Display formats of table cells by column `unit` (lib/columns.ts), in the reader's locale; the cells stay
 * raw numbers and ISO times, so sorting and CSV exports see machine values.
 */
import type { useFormatter } from 'next-intl';

export type Formatter = ReturnType<typeof useFormatter>;
export type CellUnit = 'bytes' | 'percent' | 'change' | 'time';

/** Decimal byte units, as Log Analytics bills (1 GB = 10⁹ bytes). */
const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

/** `1.2 GB`, `980 kB`, `12 B` in the locale's notation. */
export function formatBytes(format: Formatter, bytes: number): string {
  let i = 0;
  let v = bytes;
  while (Math.abs(v) >= 1000 && i < BYTE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return format.number(v, {
    style: 'unit',
    unit: BYTE_UNITS[i],
    unitDisplay: 'short',
    maximumFractionDigits: i === 0 ? 0 : 1,
  });
}

export function formatCell(format: Formatter, value: string | number, unit: CellUnit): string {
  if (unit === 'time') return format.dateTime(new Date(value), 'minute');
  const n = Number(value);
  if (unit === 'bytes') return formatBytes(format, n);
  if (unit === 'percent') return format.number(n, 'percent');
  return format.number(n, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
}
