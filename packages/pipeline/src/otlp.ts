import { createRequire } from 'node:module';
import type { SpanRow } from '@gatewatch/store';

/**
 * OTLP `ExportTraceServiceRequest` (protobuf) → `otel_traces` rows, with the column mapping of the
 * OpenTelemetry Collector's clickhouseexporter: Timestamp = span start (ns), Duration = end - start (ns),
 * SpanKind/StatusCode as `traceutil.SpanKindStr`/`StatusCodeStr` spell them (SPAN_KIND_SERVER,
 * STATUS_CODE_ERROR), ServiceName from the resource's service.name, attribute values flattened to strings.
 */

// The protobufjs static code generated from the official .proto files, shipped by otlp-transformer.
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const ExportTraceServiceRequest: { decode(bytes: Uint8Array): DecodedRequest } =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

type LongLike = number | { toString(): string };

interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: LongLike | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Uint8Array | null;
}
interface KeyValue {
  key?: string | null;
  value?: AnyValue | null;
}
interface DecodedSpan {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  parentSpanId?: Uint8Array | null;
  traceState?: string | null;
  name?: string | null;
  kind?: number | null;
  startTimeUnixNano?: LongLike | null;
  endTimeUnixNano?: LongLike | null;
  attributes?: KeyValue[] | null;
  events?: { timeUnixNano?: LongLike | null; name?: string | null; attributes?: KeyValue[] | null }[] | null;
  links?:
    | {
        traceId?: Uint8Array | null;
        spanId?: Uint8Array | null;
        traceState?: string | null;
        attributes?: KeyValue[] | null;
      }[]
    | null;
  status?: { code?: number | null; message?: string | null } | null;
}
interface DecodedRequest {
  resourceSpans?:
    | {
        resource?: { attributes?: KeyValue[] | null } | null;
        scopeSpans?:
          | {
              scope?: { name?: string | null; version?: string | null } | null;
              spans?: DecodedSpan[] | null;
            }[]
          | null;
      }[]
    | null;
}

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const hex = (b: Uint8Array | null | undefined) =>
  b && b.length > 0 && b.some((x) => x !== 0) ? Buffer.from(b).toString('hex') : '';

const big = (v: LongLike | null | undefined): bigint =>
  v == null ? 0n : typeof v === 'number' ? BigInt(Math.trunc(v)) : BigInt(v.toString());

/** ns since epoch → 'YYYY-MM-DD hh:mm:ss.nnnnnnnnn' (UTC), the DateTime64(9) text form. */
export function formatNanos(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${base}.${frac.toString().padStart(9, '0')}`;
}

/** Like the Collector's pcommon.Value.AsString(): scalars as text, arrays/maps as JSON, bytes as base64. */
function toJson(v: AnyValue | null | undefined): unknown {
  if (!v) return '';
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return Number(big(v.intValue));
  if (v.doubleValue != null) return v.doubleValue;
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map(toJson);
  if (v.kvlistValue != null) {
    return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key ?? '', toJson(kv.value)]));
  }
  if (v.bytesValue != null) return Buffer.from(v.bytesValue).toString('base64');
  return '';
}

function attrs(list: KeyValue[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const j = toJson(kv.value);
    out[kv.key ?? ''] = typeof j === 'string' ? j : typeof j === 'object' ? JSON.stringify(j) : String(j);
  }
  return out;
}

export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/** Decodes one `otlp_proto` message. Throws OtlpDecodeError when the bytes are not a trace request. */
export function decodeSpans(bytes: Uint8Array): SpanRow[] {
  let req: DecodedRequest;
  try {
    req = ExportTraceServiceRequest.decode(bytes);
  } catch (err) {
    throw new OtlpDecodeError(
      `not an OTLP ExportTraceServiceRequest (protobuf): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const rows: SpanRow[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resourceAttributes = attrs(rs.resource?.attributes);
    const serviceName = resourceAttributes['service.name'] ?? '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const traceId = hex(s.traceId);
        const spanId = hex(s.spanId);
        if (!traceId || !spanId) throw new OtlpDecodeError('span without trace id or span id');
        const start = big(s.startTimeUnixNano);
        const end = big(s.endTimeUnixNano);
        const events = s.events ?? [];
        const links = s.links ?? [];
        rows.push({
          Timestamp: formatNanos(start),
          TraceId: traceId,
          SpanId: spanId,
          ParentSpanId: hex(s.parentSpanId),
          TraceState: s.traceState ?? '',
          SpanName: s.name ?? '',
          SpanKind: SPAN_KINDS[s.kind ?? 0] ?? '',
          ServiceName: serviceName,
          ResourceAttributes: resourceAttributes,
          ScopeName: ss.scope?.name ?? '',
          ScopeVersion: ss.scope?.version ?? '',
          SpanAttributes: attrs(s.attributes),
          Duration: (end > start ? end - start : 0n).toString(),
          StatusCode: STATUS_CODES[s.status?.code ?? 0] ?? '',
          StatusMessage: s.status?.message ?? '',
          'Events.Timestamp': events.map((e) => formatNanos(big(e.timeUnixNano))),
          'Events.Name': events.map((e) => e.name ?? ''),
          'Events.Attributes': events.map((e) => attrs(e.attributes)),
          'Links.TraceId': links.map((l) => hex(l.traceId)),
          'Links.SpanId': links.map((l) => hex(l.spanId)),
          'Links.TraceState': links.map((l) => l.traceState ?? ''),
          'Links.Attributes': links.map((l) => attrs(l.attributes)),
        });
      }
    }
  }
  return rows;
}
