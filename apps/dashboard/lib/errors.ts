/** One-line, actionable text for an error reaching a page or route (no stack traces for expected failures). */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  const msg = (e?.message ?? String(err)).split('\n')[0]?.trim() ?? '';
  if (e?.name === 'StoreError') return msg;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timeout/i.test(msg)) {
    return `cannot reach ClickHouse (${msg}): check CLICKHOUSE_URL, or unset it to use embedded chDB in DATA_DIR`;
  }
  if (/UNKNOWN_TABLE|doesn't exist|does not exist/i.test(msg)) {
    return `the store has no gatewatch tables yet (${msg}): start a gateway or the ingester once (npm start) so migrations run`;
  }
  return `query failed (${msg}): check the dashboard's server log; the store may be overloaded or misconfigured`;
}
