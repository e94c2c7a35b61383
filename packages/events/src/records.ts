import { z } from 'zod';
import { EVENT_IDS, type EventId } from './catalog.ts';
import { REJECTION_REASON_NAMES, type RejectionReason } from './reasons.ts';

/** Bumped when a record's shape changes incompatibly; consumers reject versions they do not know. */
export const SCHEMA_VERSION = 1;
export const EVENT_SCHEMA = `event.v${SCHEMA_VERSION}`;
export const COUNTER_SCHEMA = `counter.v${SCHEMA_VERSION}`;
export const USAGE_SCHEMA = `usage.v${SCHEMA_VERSION}`;

/**
 * Lone UTF-16 surrogates (a JS string cut mid-pair, or a `\ud800` escape off the bus) become U+FFFD:
 * ClickHouse refuses a JSON row holding one, and the refused insert held up every record behind it.
 */
const wellFormed = (s: string) =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const text = (max: number) => z.string().max(max).transform(wellFormed).default('');
const hex = (len: number) =>
  z
    .string()
    .regex(new RegExp(`^([0-9a-f]{${len}})?$`), `must be ${len} lower-case hex digits or empty`)
    .default('');
const port = z.number().int().min(0).max(65535);
/** Up to 9999-12-31T23:59:59.999Z, the last instant ClickHouse's DateTime64 holds (later ones were clamped). */
const timestampMs = z.number().int().min(0).max(253_402_300_799_999);
const count = z.number().int().min(0);

export const eventRecordSchema = z.object({
  /** Unique per record (UUID); the ingester deduplicates on it. */
  recordId: z.string().uuid(),
  ts: timestampMs,
  nodeId: z.string().min(1).max(128).transform(wellFormed),
  eventId: z.number().refine((id): id is EventId => (EVENT_IDS as readonly number[]).includes(id), {
    message: `must be one of ${EVENT_IDS.join(', ')}`,
  }),
  workspaceId: text(36),
  clientAddress: text(64),
  targetHost: text(255),
  targetPort: port.default(0),
  tlsVersion: text(16),
  sni: text(255),
  reason: z.enum(['', ...REJECTION_REASON_NAMES] as [string, ...string[]]).default(''),
  message: text(2048),
  traceId: hex(32),
  spanId: hex(16),
});

export type EventRecord = z.output<typeof eventRecordSchema> & { eventId: EventId };
export type EventRecordInput = z.input<typeof eventRecordSchema>;

const reasonCounts = z.partialRecord(
  z.enum(REJECTION_REASON_NAMES as [RejectionReason, ...RejectionReason[]]),
  count,
);

export const counterSampleSchema = z.object({
  nodeId: z.string().min(1).max(128).transform(wellFormed),
  ts: timestampMs,
  /** When this gateway process started; a new value means the cumulative counters restarted at 0. */
  startedAt: timestampMs,
  version: text(64),
  configVersion: text(64),
  /** Absolute path of the config file the node reads (absent: none, or a node from before the field). */
  configPath: z.string().max(1024).transform(wellFormed).optional(),
  /** Open client TCP connections now (gauge). */
  activeClientConnections: count,
  /** Distinct client addresses with an open connection now (gauge). */
  connectedClients: count,
  /** Cumulative since startedAt. */
  errorCount: count,
  /** Cumulative since startedAt, every refused connection. */
  rejectionCount: count,
  rejectionsByReason: reasonCounts.default({}),
  bytesUp: count,
  bytesDown: count,
  /** Telemetry records this node had to drop (spool full); cumulative. */
  telemetryDropped: count.default(0),
});

export type CounterSample = z.output<typeof counterSampleSchema>;
export type CounterSampleInput = z.input<typeof counterSampleSchema>;

/**
 * What one tunnel carried in one interval: the gateway writes one when a tunnel's bytes start to flow
 * (`opened`), one every counter interval in which it moved bytes, and one when it closes (`closed`), so a
 * tunnel open for days shows its volume per interval. Counts are deltas since the tunnel's previous record;
 * summed over a tunnel's records they are its totals. Refused connections carry no bytes and have none.
 */
export const usageRecordSchema = z.object({
  /** Unique per record (UUID); the ingester deduplicates on it. */
  recordId: z.string().uuid(),
  /** End of the interval this record covers. */
  ts: timestampMs,
  nodeId: z.string().min(1).max(128).transform(wellFormed),
  /** The tunnel: its span's trace and span ids (empty when tracing is off). */
  traceId: hex(32),
  spanId: hex(16),
  workspaceId: text(36),
  /** The client as the gateway counts it: behind a load balancer, the PROXY-protocol source address. */
  clientAddress: text(64),
  /** The client certificate's subject on the mTLS listener (`C=…, O=…, CN=…`), else empty. */
  clientSubject: text(1024),
  targetHost: text(255),
  /** Bytes from the client into the tunnel (TLS records, from the ClientHello on), this interval. */
  bytesUp: count,
  /** Bytes from the target to the client, this interval. */
  bytesDown: count,
  /** How long the tunnel was open within this interval. */
  durationMs: count,
  /** First record of the tunnel: its bytes started to flow in this interval. */
  opened: z.boolean().default(false),
  /** Last record of the tunnel: it closed in this interval. */
  closed: z.boolean().default(false),
});

export type UsageRecord = z.output<typeof usageRecordSchema>;
export type UsageRecordInput = z.input<typeof usageRecordSchema>;

/** A validation failure that names the offending field(s). */
export class RecordValidationError extends Error {
  constructor(
    readonly kind: 'event record' | 'counter sample' | 'usage record',
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid ${kind}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'RecordValidationError';
  }
}

function validate<T>(schema: z.ZodType<T>, kind: RecordValidationError['kind'], value: unknown): T {
  let result: ReturnType<typeof schema.safeParse>;
  try {
    result = schema.safeParse(value);
  } catch (err) {
    // zod itself throws on some shapes (`rejectionsByReason: {"constructor": null}`): still this record's fault
    throw new RecordValidationError(kind, [{ path: '', message: (err as Error).message }]);
  }
  if (result.success) return result.data;
  throw new RecordValidationError(
    kind,
    result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

export function parseEventRecord(value: unknown): EventRecord {
  return validate(eventRecordSchema, 'event record', value) as EventRecord;
}

export function parseCounterSample(value: unknown): CounterSample {
  return validate(counterSampleSchema, 'counter sample', value);
}

export function parseUsageRecord(value: unknown): UsageRecord {
  return validate(usageRecordSchema, 'usage record', value);
}

/**
 * Wire encoding of records on the bus: a message value holds one or more records as JSON lines (UTF-8,
 * `\n` between records; JSON.stringify never writes a raw newline), with the schema in a message header.
 * Many records per message keep the per-message cost of the Kafka client off the hot path.
 */
export function encodeRecord(record: EventRecord | CounterSample | UsageRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

const NEWLINE = Buffer.from('\n');

/** One message value from records encoded with encodeRecord. */
export function frameRecords(encoded: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const [i, e] of encoded.entries()) {
    if (i > 0) parts.push(NEWLINE);
    parts.push(e);
  }
  return Buffer.concat(parts);
}

/** One decoded line of a message: the record, or why that line is not one (the others still count). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; line: string; error: string };

function decodeLines<T>(bytes: Uint8Array, parse: (v: unknown) => T): Decoded<T>[] {
  const out: Decoded<T>[] = [];
  for (const line of Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push({ ok: true, value: parse(JSON.parse(line)) });
    } catch (err) {
      const error =
        err instanceof RecordValidationError ? err.message : `not JSON: ${(err as Error).message}`;
      out.push({ ok: false, line, error });
    }
  }
  return out;
}

export function decodeEventRecords(bytes: Uint8Array): Decoded<EventRecord>[] {
  return decodeLines(bytes, parseEventRecord);
}

export function decodeCounterSamples(bytes: Uint8Array): Decoded<CounterSample>[] {
  return decodeLines(bytes, parseCounterSample);
}

export function decodeUsageRecords(bytes: Uint8Array): Decoded<UsageRecord>[] {
  return decodeLines(bytes, parseUsageRecord);
}

/** Exactly one record per value (tests and tools); throws the line's error. */
export function decodeEventRecord(bytes: Uint8Array): EventRecord {
  return single(decodeEventRecords(bytes), 'event record');
}

export function decodeCounterSample(bytes: Uint8Array): CounterSample {
  return single(decodeCounterSamples(bytes), 'counter sample');
}

export function decodeUsageRecord(bytes: Uint8Array): UsageRecord {
  return single(decodeUsageRecords(bytes), 'usage record');
}

function single<T>(decoded: Decoded<T>[], kind: string): T {
  const [first] = decoded;
  if (decoded.length !== 1 || !first) throw new Error(`expected one ${kind}, got ${decoded.length} lines`);
  if (!first.ok) throw new Error(first.error);
  return first.value;
}
