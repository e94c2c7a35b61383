import { randomUUID } from 'node:crypto';
import { type CounterSample, catalogEntry, type EventRecord, type UsageRecord } from '@gatewatch/events';
import type { Store } from './open.ts';
import { INSERT_COLUMNS, TABLES } from './tables.ts';

export interface InsertOptions {
  /** Same token → the batch is stored once (maps to `insert_deduplication_token`). */
  dedupToken?: string;
}

/** Rows per INSERT: chDB buffers each insert body in memory, so huge inserts cost RSS. */
export const INSERT_BATCH_ROWS = 20_000;

/** One row of `otel_traces`, with the Collector clickhouseexporter's column names. */
export interface SpanRow {
  /** 'YYYY-MM-DD hh:mm:ss.nnnnnnnnn', UTC. */
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  /** Nanoseconds, UInt64 as a decimal string. */
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

export async function insertEvents(
  store: Store,
  records: EventRecord[],
  opts: InsertOptions = {},
): Promise<void> {
  await insertRows(
    store,
    TABLES.events,
    records.map((r) => ({ ...r, level: catalogEntry(r.eventId).level })),
    opts,
  );
}

export async function insertCounters(
  store: Store,
  samples: CounterSample[],
  opts: InsertOptions = {},
): Promise<void> {
  await insertRows(store, TABLES.counters, samples, opts);
}

export async function insertUsage(
  store: Store,
  records: UsageRecord[],
  opts: InsertOptions = {},
): Promise<void> {
  await insertRows(store, TABLES.usage, records, opts);
}

export async function insertSpans(store: Store, rows: SpanRow[], opts: InsertOptions = {}): Promise<void> {
  // Timestamp strings carry no zone: read them as UTC whatever the server's timezone is.
  await insertRows(store, TABLES.traces, rows, opts, { session_timezone: 'UTC' });
}

/**
 * Insert in batches of INSERT_BATCH_ROWS as JSONCompactEachRow (positional rows: a third cheaper for the
 * engine to parse than named JSON). Every batch carries an explicit token: the given one (with the batch
 * number) or a random one. Embedded stores take chDB's zero-copy insert with the settings on the statement
 * itself, so concurrent inserts never share a session-level token.
 */
async function insertRows(
  store: Store,
  table: string,
  rows: readonly object[],
  opts: InsertOptions,
  settings: Record<string, string> = {},
): Promise<void> {
  const columns = INSERT_COLUMNS[table];
  if (!columns) throw new Error(`no insert column list for table ${table}`);
  if (rows.length === 0) return;
  for (let start = 0, batch = 0; start < rows.length; start += INSERT_BATCH_ROWS, batch++) {
    const values = rows
      .slice(start, start + INSERT_BATCH_ROWS)
      .map((row) => columns.map((c) => (row as Record<string, unknown>)[c]));
    const batchSettings = {
      ...settings,
      insert_deduplication_token:
        opts.dedupToken === undefined ? randomUUID() : `${opts.dedupToken}#${batch}`,
      // A replayed batch must not be counted again by the rollups either.
      deduplicate_blocks_in_dependent_materialized_views: 1 as const,
    };
    if (store.chdb) {
      await store.chdb.rawInsert({
        table,
        columns,
        format: 'JSONCompactEachRow',
        values: values.map((v) => JSON.stringify(v)).join('\n'),
        settings: batchSettings,
      });
    } else {
      await store.client.insert({
        table,
        columns: columns as [string, ...string[]],
        values,
        format: 'JSONCompactEachRow',
        clickhouse_settings: batchSettings,
      });
    }
  }
}
