import { RELATIVE_RANGES } from '../lib/range.ts';
import type { Notice, View } from '../lib/view.ts';

/** One line per unusable URL value: what was asked, why it cannot be used, what the page shows instead. */
export function Notices({ view }: { view: View }) {
  if (view.notices.length === 0) return null;
  const shown = view.range.label;
  const text = (n: Notice) => {
    switch (n.kind) {
      case 'range':
        return `range=${n.value} is not a range (use ${Object.keys(RELATIVE_RANGES).join(', ')}, or from/to): showing ${shown}.`;
      case 'time':
        return `${n.param}=${n.value} is not a time (use ISO 8601 in UTC, e.g. 2026-03-01T12:00:00Z): showing ${shown}.`;
      case 'order':
        return `from=${n.from} is not before to=${n.to}: showing ${shown}.`;
      case 'event':
        return `unknown event id ${n.value}: no event in the catalog has it, so nothing matches (pick one from the Event id list).`;
      case 'long':
        return `${n.param} is ${n.length} characters long: only its first 256 are used.`;
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
