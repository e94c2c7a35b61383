'use client';
import { useTranslations } from 'next-intl';

/** Unexpected render failures (expected store errors are shown inline by each page). */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  const t = useTranslations('errorPage');
  return (
    <div className="callout error" role="alert">
      <strong>{t('title')}</strong>
      <p>{error.message || t('unexpected')}</p>
      <p>
        {t('hint')}
        {error.digest ? ` ${t('digest', { digest: error.digest })}` : ''}{' '}
        <button type="button" onClick={reset}>
          {t('retry')}
        </button>
      </p>
    </div>
  );
}
