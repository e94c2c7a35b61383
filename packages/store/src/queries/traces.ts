import type { SpanRow } from '../insert.ts';
import type { Store } from '../open.ts';
import { selectRows } from './dashboard-common.ts';

/**
 * Every span of one trace, oldest first. The trace-id lookup table gives the time range first, so the
 * span read is limited to the partitions of that range (the Collector's own access path).
 */
export async function traceSpans(
  store: Store,
  params: { traceId: string; limit?: number },
): Promise<SpanRow[]> {
  return selectRows<SpanRow>(
    store,
    `WITH (SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) AS range
     SELECT * FROM otel_traces
     WHERE TraceId = {traceId:String}
       AND Timestamp >= tupleElement(range, 1) AND Timestamp <= addSeconds(tupleElement(range, 2), 1)
     ORDER BY Timestamp, SpanId
     LIMIT {limit:UInt32}`,
    { traceId: params.traceId, limit: params.limit ?? 10_000 },
  );
}
