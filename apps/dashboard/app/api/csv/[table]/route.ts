import { toCsv } from '../../../../lib/csv.ts';
import { describeError } from '../../../../lib/errors.ts';
import { getStore } from '../../../../lib/store.ts';
import { isTableName, TABLES } from '../../../../lib/tables.ts';
import { buildView } from '../../../../lib/view.ts';

export const dynamic = 'force-dynamic';

/** CSV export of any dashboard table, with the same range and filters as the page that links here. */
export async function GET(req: Request, ctx: { params: Promise<{ table: string }> }): Promise<Response> {
  const { table } = await ctx.params;
  const name = table.replace(/\.csv$/, '');
  if (!isTableName(name)) {
    return new Response(`unknown table "${name}": use one of ${Object.keys(TABLES).join(', ')}\n`, {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const url = new URL(req.url);
  try {
    const view = buildView(url.searchParams);
    const data = await TABLES[name](await getStore(), view);
    const stamp = new Date(view.nowMs).toISOString().slice(0, 19).replaceAll(':', '');
    return new Response(toCsv(data.columns, data.rows), {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="gatewatch-${name}-${stamp}Z.csv"`,
        'cache-control': 'no-store',
      },
    });
  } catch (err) {
    return new Response(`${describeError(err)}\n`, {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
}
