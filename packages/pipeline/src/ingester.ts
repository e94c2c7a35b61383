import {
  COUNTER_SCHEMA,
  type CounterSample,
  type Decoded as DecodedLine,
  decodeCounterSamples,
  decodeEventRecords,
  decodeUsageRecords,
  EVENT_SCHEMA,
  type EventRecord,
  SCHEMA_HEADER,
  USAGE_SCHEMA,
  type UsageRecord,
} from '@gatewatch/events';
import {
  insertCounters,
  insertEvents,
  insertSpans,
  insertUsage,
  type SpanRow,
  type Store,
} from '@gatewatch/store';
import {
  type Bus,
  type ConsumedMessage,
  errorMessage,
  type PartitionBatch,
  type Subscription,
} from './bus.ts';
import { decodeSpans } from './otlp.ts';
import { Counter, gaugeText, Histogram } from './prometheus.ts';
import { OTLP_PROTO } from './span-exporter.ts';

type Kind = 'events' | 'counters' | 'usage' | 'spans';
type Row = EventRecord | CounterSample | UsageRecord | SpanRow;

/** Where decoded rows go; `storeWriter` is the real one, tests wrap it to inject failures. */
export interface IngestWriter {
  events(records: EventRecord[], dedupToken: string): Promise<void>;
  counters(samples: CounterSample[], dedupToken: string): Promise<void>;
  usage(records: UsageRecord[], dedupToken: string): Promise<void>;
  spans(rows: SpanRow[], dedupToken: string): Promise<void>;
}

export function storeWriter(store: Store): IngestWriter {
  return {
    events: (records, dedupToken) => insertEvents(store, records, { dedupToken }),
    counters: (samples, dedupToken) => insertCounters(store, samples, { dedupToken }),
    usage: (records, dedupToken) => insertUsage(store, records, { dedupToken }),
    spans: (rows, dedupToken) => insertSpans(store, rows, { dedupToken }),
  };
}

export interface IngesterOptions {
  bus: Bus;
  /** The ClickHouse store (or give `writer`). */
  store?: Store;
  writer?: IngestWriter;
  /** Consumer group (default `gatewatch-ingester`); ingesters sharing it share the partitions. */
  groupId?: string;
  /** Rows per insert at most (default 20,000). Time/size bounds of a fetch are the bus's `fetch` options. */
  batch?: { maxRows?: number };
  /** Recently inserted ids remembered to drop producer-retry duplicates (at least 200,000 per table). */
  dedupWindow?: number;
  /** First redelivery delay after a failed insert (default 500 ms, doubled up to 10 s). */
  retryBackoffMs?: number;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface IngesterMetrics {
  messages: number;
  rows: Record<Kind, number>;
  duplicatesSkipped: number;
  deadLetters: number;
  insertFailures: number;
  inserts: number;
  /** Times the Kafka consumer crashed (broker gone) and was restarted. */
  consumerRestarts: number;
  /** Sum of the consumer lag over all partitions, as last observed. */
  lag: number;
}

export interface Ingester {
  metrics(): IngesterMetrics;
  /** Prometheus text for the ingester's /metrics. */
  metricsText(): string;
  /** Stops after the unit in flight (KafkaBus: it commits; no other begins); the rest is read by the next owner. */
  stop(): Promise<void>;
}

/** Ids recently stored: two generations of at most `max` each, so eviction is O(1). */
class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  constructor(private readonly max: number) {}
  has(id: string): boolean {
    return this.current.has(id) || this.previous.has(id);
  }
  add(id: string): void {
    if (this.current.size >= this.max) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
  }
}

const rowId: Record<Kind, (r: Row) => string> = {
  events: (r) => (r as EventRecord).recordId,
  counters: (r) => `${(r as CounterSample).nodeId}/${(r as CounterSample).ts}`,
  usage: (r) => (r as UsageRecord).recordId,
  spans: (r) => `${(r as SpanRow).TraceId}/${(r as SpanRow).SpanId}`,
};

const EXPECTED_SCHEMA: Record<Kind, string> = {
  events: EVENT_SCHEMA,
  counters: COUNTER_SCHEMA,
  usage: USAGE_SCHEMA,
  spans: OTLP_PROTO,
};

interface Decoded {
  message: ConsumedMessage;
  rows: Row[];
  /** What could not be decoded: the whole message, or single lines of a record message. */
  poison: { value: Buffer; error: string }[];
}

function decode(kind: Kind, message: ConsumedMessage): Decoded {
  const whole = (error: string): Decoded => ({
    message,
    rows: [],
    poison: [{ value: message.value, error }],
  });
  const schema = message.headers[SCHEMA_HEADER];
  if (schema !== undefined && schema !== EXPECTED_SCHEMA[kind]) {
    return whole(
      `unknown schema "${schema}" on ${message.topic}; this ingester reads ${EXPECTED_SCHEMA[kind]}`,
    );
  }
  if (kind === 'spans') {
    try {
      const rows = decodeSpans(message.value);
      // Random bytes can parse as an empty request; no exporter sends one, so it is poison too.
      if (rows.length > 0) return { message, rows, poison: [] };
      return whole('OTLP ExportTraceServiceRequest holds no spans (not an otlp_proto message?)');
    } catch (err) {
      return whole(errorMessage(err));
    }
  }
  const lines: DecodedLine<Row>[] =
    kind === 'events'
      ? decodeEventRecords(message.value)
      : kind === 'usage'
        ? decodeUsageRecords(message.value)
        : decodeCounterSamples(message.value);
  const decoded: Decoded = { message, rows: [], poison: [] };
  for (const l of lines) {
    if (l.ok) decoded.rows.push(l.value);
    else decoded.poison.push({ value: Buffer.from(l.line), error: l.error });
  }
  if (lines.length === 0) return whole(`empty message: no ${kind} record in it`);
  return decoded;
}

/**
 * The ingester: one consumer group over the events, counters, usage and spans topics. Per partition batch it
 * decodes, sends poison messages to the dead-letter topic, and inserts units of at most maxRows rows:
 * `begin` (write-ahead of the unit's offset range) → insert with dedup token topic/partition/first-last →
 * commit. A crash anywhere replays the same unit with the same token, which ClickHouse drops.
 */
export async function runIngester(opts: IngesterOptions): Promise<Ingester> {
  const { bus } = opts;
  const writer = opts.writer ?? (opts.store ? storeWriter(opts.store) : undefined);
  if (!writer) throw new Error('runIngester needs a store (openStore from @gatewatch/store) or a writer');
  const maxRows = opts.batch?.maxRows ?? 20_000;
  const log = opts.log ?? ((level, msg) => (level === 'info' ? console.log(msg) : console.warn(msg)));
  const kinds = new Map<string, Kind>([
    [bus.topic('events'), 'events'],
    [bus.topic('counters'), 'counters'],
    [bus.topic('usage'), 'usage'],
    [bus.topic('spans'), 'spans'],
  ]);
  const deadLetterTopic = bus.topic('deadLetter');
  const recent: Record<Kind, RecentIds> = {
    events: new RecentIds(opts.dedupWindow ?? 200_000),
    counters: new RecentIds(opts.dedupWindow ?? 200_000),
    usage: new RecentIds(opts.dedupWindow ?? 200_000),
    spans: new RecentIds(opts.dedupWindow ?? 200_000),
  };

  const messagesTotal = new Counter('gatewatch_ingester_messages_total', 'Messages consumed, by topic.');
  const rowsTotal = new Counter('gatewatch_ingester_rows_total', 'Rows inserted into ClickHouse, by table.');
  const dupTotal = new Counter(
    'gatewatch_ingester_duplicates_skipped_total',
    'Rows dropped because the same id was stored moments ago (producer retries).',
  );
  const deadTotal = new Counter(
    'gatewatch_ingester_dead_letters_total',
    'Undecodable messages (or single records of a record message) sent to the dead-letter topic.',
  );
  const failTotal = new Counter(
    'gatewatch_ingester_insert_failures_total',
    'Failed inserts (retried, not committed).',
  );
  const restartsTotal = new Counter(
    'gatewatch_ingester_consumer_restarts_total',
    'Kafka consumer crashes (broker gone), each followed by a restart; uncommitted batches are read again.',
  );
  const batchRows = new Histogram(
    'gatewatch_ingester_batch_rows',
    'Rows per insert.',
    [1, 10, 100, 1000, 5000, 10000, 20000, 50000],
  );
  const insertSeconds = new Histogram(
    'gatewatch_ingester_insert_seconds',
    'Insert latency.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );

  const processUnit = async (batch: PartitionBatch, kind: Kind, unit: Decoded[]) => {
    const first = (unit[0] as Decoded).message.offset;
    const last = (unit[unit.length - 1] as Decoded).message.offset;
    const poison = unit.flatMap((d) =>
      d.poison.map((p) => ({
        key: d.message.key?.toString() ?? null,
        value: p.value,
        headers: {
          ...d.message.headers,
          'gatewatch-error': p.error.slice(0, 1000),
          'gatewatch-source': `${d.message.topic}/${d.message.partition}/${d.message.offset}`,
        },
      })),
    );
    if (poison.length > 0) {
      // Dead letters first: if this fails, nothing is committed and the unit is retried.
      await bus.produce(deadLetterTopic, poison);
      deadTotal.inc({ topic: batch.topic }, poison.length);
      log(
        'warn',
        `ingester: ${poison.length} undecodable message(s) or record(s) from ${batch.topic}/${batch.partition} sent to ${deadLetterTopic}: ${poison[0]?.headers['gatewatch-error']}`,
      );
    }
    const seen = recent[kind];
    const all = unit.flatMap((d) => d.rows);
    const inUnit = new Set<string>();
    const rows = all.filter((r) => {
      const id = rowId[kind](r);
      if (seen.has(id) || inUnit.has(id)) return false;
      inUnit.add(id);
      return true;
    });
    if (rows.length < all.length) dupTotal.inc({ table: kind }, all.length - rows.length);
    await batch.begin(first, last);
    if (rows.length > 0) {
      const token = `${batch.topic}/${batch.partition}/${first}-${last}`;
      const t0 = performance.now();
      try {
        if (kind === 'events') await writer.events(rows as EventRecord[], token);
        else if (kind === 'counters') await writer.counters(rows as CounterSample[], token);
        else if (kind === 'usage') await writer.usage(rows as UsageRecord[], token);
        else await writer.spans(rows as SpanRow[], token);
      } catch (err) {
        failTotal.inc({ table: kind });
        throw new Error(`insert of ${rows.length} ${kind} row(s) failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      insertSeconds.observe((performance.now() - t0) / 1000);
      batchRows.observe(rows.length);
      rowsTotal.inc({ table: kind }, rows.length);
      for (const r of rows) seen.add(rowId[kind](r));
    }
    await batch.commit(last);
    messagesTotal.inc({ topic: batch.topic }, unit.length);
    await batch.heartbeat();
  };

  const handler = async (batch: PartitionBatch<Decoded>) => {
    const kind = kinds.get(batch.topic);
    if (!kind) return;
    const decoded = batch.prepared;
    let i = 0;
    if (batch.pendingEnd !== undefined) {
      // Replay exactly the unit a previous owner may have inserted, so its dedup token matches.
      const end = BigInt(batch.pendingEnd);
      while (i < decoded.length && BigInt((decoded[i] as Decoded).message.offset) <= end) i++;
      if (i > 0) {
        if (BigInt((decoded[i - 1] as Decoded).message.offset) < end) {
          log(
            'warn',
            `ingester: replay of ${batch.topic}/${batch.partition} up to ${batch.pendingEnd} got a shorter fetch; rows may be duplicated`,
          );
        }
        await processUnit(batch, kind, decoded.slice(0, i));
      }
    }
    while (i < decoded.length) {
      let j = i;
      let rows = 0;
      while (j < decoded.length && (j === i || rows + (decoded[j] as Decoded).rows.length <= maxRows)) {
        rows += (decoded[j] as Decoded).rows.length;
        j++;
      }
      await processUnit(batch, kind, decoded.slice(i, j));
      i = j;
    }
  };

  await bus.start();
  const sub: Subscription = await bus.subscribe<Decoded>({
    groupId: opts.groupId ?? 'gatewatch-ingester',
    topics: [...kinds.keys()],
    // Decoding happens on fetch, overlapping the previous batch's insert.
    prepare: (message) => decode(kinds.get(message.topic) as Kind, message),
    handler,
    retryBackoffMs: opts.retryBackoffMs ?? 500,
    onError: (err, { topic, partition }) =>
      log('warn', `ingester: ${topic}/${partition} not committed, will retry: ${errorMessage(err)}`),
    onCrash: (err, restartInMs) => {
      restartsTotal.inc();
      log(
        'warn',
        `ingester: Kafka consumer stopped (${errorMessage(err)}); restarting in ${restartInMs} ms, uncommitted batches are read again (is the broker up? KAFKA_BROKERS)`,
      );
    },
  });

  const lagSamples = () =>
    [...sub.lag()].map(([tp, value]) => {
      const slash = tp.lastIndexOf('/');
      return { labels: { topic: tp.slice(0, slash), partition: tp.slice(slash + 1) }, value };
    });

  return {
    metrics: () => ({
      messages: messagesTotal.total(),
      rows: {
        events: rowsTotal.get({ table: 'events' }),
        counters: rowsTotal.get({ table: 'counters' }),
        usage: rowsTotal.get({ table: 'usage' }),
        spans: rowsTotal.get({ table: 'spans' }),
      },
      duplicatesSkipped: dupTotal.total(),
      deadLetters: deadTotal.total(),
      insertFailures: failTotal.total(),
      inserts: batchRows.count,
      consumerRestarts: restartsTotal.total(),
      lag: lagSamples().reduce((a, s) => a + s.value, 0),
    }),
    metricsText: () =>
      [
        gaugeText(
          'gatewatch_ingester_consumer_lag',
          'Messages not yet committed, per partition.',
          lagSamples(),
        ),
        messagesTotal.text(),
        rowsTotal.text(),
        dupTotal.text(),
        deadTotal.text(),
        failTotal.text(),
        restartsTotal.text(),
        batchRows.text(),
        insertSeconds.text(),
      ].join(''),
    stop: () => sub.stop(),
  };
}
