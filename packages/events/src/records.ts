import { z } from 'zod';
import { EVENT_IDS, type EventId } from './catalog.ts';
import { REJECTION_REASON_NAMES, type RejectionReason } from './reasons.ts';

/** Bumped when a record's shape changes incompatibly; consumers reject versions they do not know. */
export const SCHEMA_VERSION = 1;
export const EVENT_SCHEMA = `event.v${SCHEMA_VERSION}`;
export const COUNTER_SCHEMA = `counter.v${SCHEMA_VERSION}`;

const text = (max: number) => z.string().max(max).default('');
const hex = (len: number) =>
  z
    .string()
    .regex(new RegExp(`^([0-9a-f]{${len}})?$`), `must be ${len} lower-case hex digits or empty`)
    .default('');
const port = z.number().int().min(0).max(65535);
const timestampMs = z.number().int().min(0).max(8_640_000_000_000_000);
const count = z.number().int().min(0);

export const eventRecordSchema = z.object({
  /** Unique per record (UUID); the ingester deduplicates on it. */
  recordId: z.string().uuid(),
  ts: timestampMs,
  nodeId: z.string().min(1).max(128),
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
  nodeId: z.string().min(1).max(128),
  ts: timestampMs,
  /** When this gateway process started; a new value means the cumulative counters restarted at 0. */
  startedAt: timestampMs,
  version: text(64),
  configVersion: text(64),
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

/** A validation failure that names the offending field(s). */
export class RecordValidationError extends Error {
  constructor(
    readonly kind: 'event record' | 'counter sample',
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid ${kind}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'RecordValidationError';
  }
}

function validate<T>(schema: z.ZodType<T>, kind: RecordValidationError['kind'], value: unknown): T {
  const result = schema.safeParse(value);
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

/** Wire encoding of records on the bus: UTF-8 JSON, with the schema in a message header. */
export function encodeRecord(record: EventRecord | CounterSample): Buffer {
  return Buffer.from(JSON.stringify(record));
}

export function decodeEventRecord(bytes: Uint8Array): EventRecord {
  return parseEventRecord(JSON.parse(Buffer.from(bytes).toString('utf8')));
}

export function decodeCounterSample(bytes: Uint8Array): CounterSample {
  return parseCounterSample(JSON.parse(Buffer.from(bytes).toString('utf8')));
}
