import { useTranslations } from 'next-intl';

/** A table panel's CSV export: `/api/csv/<table>` with the page's params, downloaded as a file. */
export function CsvLink({ id, href }: { id: string; href: string }) {
  const t = useTranslations('common');
  return (
    <a href={href} download data-testid={`csv-${id}`}>
      {t('exportCsv')}
    </a>
  );
}
