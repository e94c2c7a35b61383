import Link from 'next/link';
import { getTranslations } from 'next-intl/server';

export default async function NotFound() {
  const t = await getTranslations('notFound');
  return (
    <div className="callout" role="status">
      <strong>{t('title')}</strong>
      <p>{t.rich('back', { link: (chunks) => <Link href="/">{chunks}</Link> })}</p>
    </div>
  );
}
