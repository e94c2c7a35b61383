import { useFormatter, useTranslations } from 'next-intl';
import type { RelativeRange, TimeRange } from '../lib/range.ts';

const UNITS = { m: 'minute', h: 'hour', d: 'day' } as const;

/** `24h` → `{ count: 24, unit: 'hour' }`: the arguments of `toolbar.lastRange` and of Intl unit formats. */
export function rangeParts(range: RelativeRange): { count: number; unit: 'minute' | 'hour' | 'day' } {
  const unit = UNITS[range.slice(-1) as keyof typeof UNITS];
  return { count: Number(range.slice(0, -1)), unit };
}

/** "Last 24 hours" / "Dec 4, 09:00 – 12:00" in the request's language (server or client component). */
export function useRangeLabel(range: TimeRange): string {
  const t = useTranslations('toolbar');
  const format = useFormatter();
  return range.relative
    ? t('lastRange', rangeParts(range.relative))
    : format.dateTimeRange(range.fromMs, range.toMs, 'minute');
}
