import { getTranslations } from 'next-intl/server';

export default async function Loading() {
  const t = await getTranslations('loading');
  return (
    <div className="loading" role="status" aria-live="polite">
      {t('text')}
    </div>
  );
}
