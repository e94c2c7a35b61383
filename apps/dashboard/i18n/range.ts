import type { RelativeRange } from '../lib/range.ts';

const UNITS = { m: 'minute', h: 'hour', d: 'day' } as const;

/** `24h` → `{ count: 24, unit: 'hour' }`: the arguments of `toolbar.lastRange` and of Intl unit formats. */
export function rangeParts(range: RelativeRange): { count: number; unit: 'minute' | 'hour' | 'day' } {
  const unit = UNITS[range.slice(-1) as keyof typeof UNITS];
  return { count: Number(range.slice(0, -1)), unit };
}
