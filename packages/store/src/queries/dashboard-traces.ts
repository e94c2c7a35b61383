/** One trace's spans (otel_traces), located through the trace-id → time lookup table. */
import type { Store } from '../open.ts';
import { selectRows } from './dashboard-common.ts';

export interface DashboardSpan {
  startNs: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  kind: string;
  durationNs: number;
  statusCode: string;
  statusMessage: string;
  attributes: Record<string, string>;
}

export async function dashboardTrace(store: Store, traceId: string): Promise<DashboardSpan[]> {
  const rows = await selectRows<Record<string, unknown>>(
    store,
    `WITH (SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) AS se
     SELECT toString(Timestamp) AS startNs, SpanId, ParentSpanId, SpanName, ServiceName, SpanKind,
       Duration, StatusCode, StatusMessage, SpanAttributes
     FROM otel_traces
     WHERE TraceId = {traceId:String}
       AND Timestamp >= toDateTime64(se.1, 9) - INTERVAL 1 SECOND AND Timestamp <= toDateTime64(se.2, 9) + INTERVAL 1 SECOND
     ORDER BY Timestamp, SpanId LIMIT 1000`,
    { traceId },
  );
  return rows.map((r) => ({
    startNs: String(r.startNs),
    spanId: String(r.SpanId),
    parentSpanId: String(r.ParentSpanId),
    name: String(r.SpanName),
    service: String(r.ServiceName),
    kind: String(r.SpanKind),
    durationNs: Number(r.Duration),
    statusCode: String(r.StatusCode),
    statusMessage: String(r.StatusMessage),
    attributes: (r.SpanAttributes ?? {}) as Record<string, string>,
  }));
}
