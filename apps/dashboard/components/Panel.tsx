import type { HTMLAttributes, ReactNode } from 'react';
import { CsvLink } from './CsvLink.tsx';

export interface PanelProps extends Omit<HTMLAttributes<HTMLElement>, 'title'> {
  /** Heading id prefix (`<id>-title`) and the CSV link's test id. */
  id: string;
  title: ReactNode;
  hint?: ReactNode;
  /** `/api/csv/<table>?…`: an Export CSV link after the hint. */
  csvHref?: string;
  /** Shown instead of the children when set (e.g. "No alert is firing."). */
  empty?: ReactNode;
}

/** Every dashboard box: a titled section with a hint line and, for tables, its CSV export. */
export function Panel({ id, title, hint, csvHref, empty, children, ...attrs }: PanelProps) {
  return (
    <section className="panel" aria-labelledby={`${id}-title`} {...attrs}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {hint || csvHref ? (
          <span className="hint">
            {hint}
            {hint && csvHref ? ' · ' : null}
            {csvHref ? <CsvLink id={id} href={csvHref} /> : null}
          </span>
        ) : null}
      </div>
      {empty ? <div className="empty">{empty}</div> : children}
    </section>
  );
}
