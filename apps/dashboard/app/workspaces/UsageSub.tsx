import { useFormatter, useTranslations } from 'next-intl';
import { useRangeLabel } from '../../i18n/range.ts';
import type { View } from '../../lib/view.ts';

/** The sub line of the usage pages: the range, the bucket they count in and the rollup they read. */
export function UsageSub({ view, stepSec, source }: { view: View; stepSec: number; source: string }) {
  const t = useTranslations('page');
  const format = useFormatter();
  const range = useRangeLabel(view.range);
  const [n, unit] =
    stepSec >= 86_400
      ? [stepSec / 86_400, 'day']
      : stepSec >= 3600
        ? [stepSec / 3600, 'hour']
        : [stepSec / 60, 'minute'];
  const step = format.number(n, { style: 'unit', unit, unitDisplay: 'short' });
  return <>{t('sub', { range, step, source })}</>;
}
