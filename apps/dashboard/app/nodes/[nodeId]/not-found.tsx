'use client';
import { usePathname } from 'next/navigation';
import { useTranslations } from 'next-intl';

/** 404 for a node id that never reported (the page calls notFound()); the id comes from the URL. */
export default function NodeNotFound() {
  const nodeId = decodeURIComponent(usePathname().split('/')[2] ?? '');
  const t = useTranslations('node');
  return (
    <div className="callout" role="status" data-testid="node-not-found">
      <strong>{t.rich('neverReported', { node: nodeId, code: (c) => <code>{c}</code> })}</strong>
      <p>{t('neverReportedHint')}</p>
    </div>
  );
}
