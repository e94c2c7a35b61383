import { randomUUID } from 'node:crypto';
import { type CounterSample, catalogEntry, type EventRecord } from '@gatewatch/events';
import type { Store } from './open.ts';
import { TABLES } from './tables.ts';

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

export async function insertSpans(store: Store, rows: SpanRow[], opts: InsertOptions = {}): Promise<void> {
  // Timestamp strings carry no zone: read them as UTC whatever the server's timezone is.
  await insertRows(store, TABLES.traces, rows, opts, { session_timezone: 'UTC' });
}

/**
 * Insert in batches of INSERT_BATCH_ROWS. Every batch carries an explicit token: the given one (with the
 * batch number) or a random one, because chDB keeps SET values for the session and a token left over
 * from an earlier insert would silently drop this one.
 */
async function insertRows(
  store: Store,
  table: string,
  rows: readonly object[],
  opts: InsertOptions,
  settings: Record<string, string> = {},
): Promise<void> {
  if (store.kind === 'server') return insertBatches(store, table, rows, opts, settings);
  // chDB runs non-parameterized statements of one session in parallel and the token is a session SET:
  // one insert at a time per store, so two batches never swap tokens.
  const previous = embeddedChains.get(store) ?? Promise.resolve();
  const run = previous.then(() => insertBatches(store, table, rows, opts, settings));
  embeddedChains.set(
    store,
    run.catch(() => {}),
  );
  return run;
}

const embeddedChains = new WeakMap<Store, Promise<void>>();

async function insertBatches(
  store: Store,
  table: string,
  rows: readonly object[],
  opts: InsertOptions,
  settings: Record<string, string>,
): Promise<void> {
  for (let start = 0, batch = 0; start < rows.length; start += INSERT_BATCH_ROWS, batch++) {
    const values = rows.slice(start, start + INSERT_BATCH_ROWS);
    const token = opts.dedupToken === undefined ? randomUUID() : `${opts.dedupToken}#${batch}`;
    await store.client.insert({
      table,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: {
        ...settings,
        insert_deduplication_token: token,
        // A replayed batch must not be counted again by the rollups either.
        deduplicate_blocks_in_dependent_materialized_views: 1,
      },
    });
  }
  if (store.kind === 'embedded') {
    // Leave the shared chDB session as a server would be: no token, so other callers' inserts behave normally.
    await store.client.command({ query: "SET insert_deduplication_token = ''" });
  }
}
