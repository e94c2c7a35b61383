/** A table panel's CSV export: `/api/csv/<table>` with the page's params, downloaded as a file. */
export function CsvLink({ id, href }: { id: string; href: string }) {
  return (
    <a href={href} download data-testid={`csv-${id}`}>
      Export CSV
    </a>
  );
}
