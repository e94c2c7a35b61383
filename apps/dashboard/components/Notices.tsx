import { useTranslations } from 'next-intl';
import { useRangeLabel } from '../i18n/range.ts';
import { RELATIVE_RANGES } from '../lib/range.ts';
import type { Notice, View } from '../lib/view.ts';

/** One line per unusable URL value: what was asked, why it cannot be used, what the page shows instead. */
export function Notices({ view }: { view: View }) {
  const t = useTranslations('notices');
  const shown = useRangeLabel(view.range);
  if (view.notices.length === 0) return null;
  const text = (n: Notice) => {
    switch (n.kind) {
      case 'range':
        return t('range', { value: n.value, allowed: Object.keys(RELATIVE_RANGES).join(', '), shown });
      case 'time':
        return t('time', { param: n.param, value: n.value, shown });
      case 'order':
        return t('order', { from: n.from, to: n.to, shown });
      case 'event':
        return t('event', { value: n.value });
      case 'long':
        return t('long', { param: n.param, length: String(n.length) });
    }
  };
  return (
    <div className="callout" role="status" data-testid="notices">
      {view.notices.map((n) => (
        <p key={JSON.stringify(n)} className="notice">
          {text(n)}
        </p>
      ))}
    </div>
  );
}
