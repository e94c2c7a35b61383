import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClickHouseClient, createClient } from '@clickhouse/client';
import type { ChdbExtension } from 'chdb/connection';
import { firstLine, StoreError } from './errors.ts';
import { applyMigrations } from './migrate.ts';

export interface StoreOptions {
  /** ClickHouse server over HTTP (CLICKHOUSE_URL); unset → embedded chDB in dataDir. */
  url?: string;
  /** Embedded chDB data directory (DATA_DIR), default ./data. */
  dataDir?: string;
  /** Database holding every table, default 'gatewatch'. */
  database?: string;
}

export interface Store {
  client: ClickHouseClient;
  kind: 'server' | 'embedded';
  database: string;
  /** Embedded only: chDB's zero-copy insert, with per-statement SETTINGS (used by insert.ts). */
  chdb?: ChdbExtension;
  close(): Promise<void>;
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export const DEFAULT_DATABASE = 'gatewatch';
export const DEFAULT_DATA_DIR = './data';

export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const opts: StoreOptions = {};
  if (env.CLICKHOUSE_URL?.trim()) opts.url = env.CLICKHOUSE_URL.trim();
  if (env.DATA_DIR?.trim()) opts.dataDir = env.DATA_DIR.trim();
  if (env.CLICKHOUSE_DATABASE?.trim()) opts.database = env.CLICKHOUSE_DATABASE.trim();
  return opts;
}

/** Connect (server or embedded), create the database and apply pending migrations. */
export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const database = opts.database ?? DEFAULT_DATABASE;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new StoreError(
      `invalid database name "${database}": use letters, digits and _ only (CLICKHOUSE_DATABASE)`,
    );
  }
  const store = opts.url ? await openServer(opts.url, database) : await openEmbedded(opts, database);
  try {
    await applyMigrations(store.client);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

/** Loaded when a store opens: a process that only imports the package (a gateway node) never needs it. */
const loadClient = () => import('@clickhouse/client');

async function openServer(url: string, database: string): Promise<Store> {
  let parsed: URL;
  try {
    parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new StoreError(
      `CLICKHOUSE_URL "${url}" is not a URL: set it like http://host:8123 or unset it to use embedded chDB in DATA_DIR`,
    );
  }
  const shown = `${parsed.protocol}//${parsed.host}`;
  const { createClient, ClickHouseLogLevel } = await loadClient();
  // The database may not exist yet, and the HTTP interface refuses a default database that is missing.
  // Its own logging off: a failed ping is reported once, as a StoreError line, not as a logged stack.
  const bootstrap = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  try {
    const ping = await bootstrap.ping();
    if (!ping.success) {
      throw new StoreError(
        `cannot reach ClickHouse at ${shown} (${describeNetError(ping.error)}): check CLICKHOUSE_URL or unset it to use embedded chDB in DATA_DIR`,
        { cause: ping.error },
      );
    }
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      `ClickHouse at ${shown} refused to create database ${database} (${firstLine(err)}): check the user's grants or CLICKHOUSE_URL credentials`,
      { cause: err },
    );
  } finally {
    await bootstrap.close();
  }
  const client = createClient({ url, database });
  return { client, kind: 'server', database, close: () => client.close() };
}

function describeNetError(err: unknown): string {
  const e = err as { code?: string; hostname?: string; syscall?: string; message?: string };
  if (e?.code && e.syscall) return `${e.syscall} ${e.code}${e.hostname ? ` ${e.hostname}` : ''}`;
  if (e?.code) return `${e.code}: ${firstLine(err)}`;
  return firstLine(err);
}

async function openEmbedded(opts: StoreOptions, database: string): Promise<Store> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new StoreError(
      `cannot create DATA_DIR ${dataDir} (${firstLine(err)}): set DATA_DIR to a writable directory`,
      {
        cause: err,
      },
    );
  }
  let client: ClickHouseClient;
  let chdb: ChdbExtension;
  const { createClient } = await loadClient();
  try {
    // Loaded only here: the engine is ~150 MB of native code a process without an embedded store never needs.
    const { createChdbConnection } = await import('chdb/connection');
    const connection = createChdbConnection({ path: dataDir });
    chdb = connection.chdb;
    // chdb types its Connection against @clickhouse/client-common, which the client re-declares: same shape.
    client = createClient({ connection: connection as unknown as ClientConnection });
  } catch (err) {
    throw embeddedOpenError(err, dataDir);
  }
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    // The chDB session keeps its current database, so unqualified table names resolve like on a server.
    await client.command({ query: `USE ${database}` });
    // Match the HTTP server's JSON output (64-bit integers as strings), so callers parse one shape.
    await client.command({ query: 'SET output_format_json_quote_64bit_integers = 1' });
  } catch (err) {
    await client.close().catch(() => {});
    throw new StoreError(`embedded chDB in ${dataDir} failed to start (${firstLine(err)}): check DATA_DIR`, {
      cause: err,
    });
  }
  return { client, kind: 'embedded', database, chdb, close: () => client.close() };
}

function embeddedOpenError(err: unknown, dataDir: string): StoreError {
  const msg = firstLine(err);
  // The engine is one per process: a second, different data directory in the same process is refused.
  if (
    /only one active data directory|different|already/i.test(msg) &&
    !/Failed to create connection/i.test(msg)
  ) {
    return new StoreError(
      `this process already has embedded chDB open on another directory (${msg}): close that store before opening ${dataDir}`,
      { cause: err },
    );
  }
  // chDB prints "Cannot lock file <dir>/status" on stderr and throws a generic connection error.
  if (existsSync(resolve(dataDir, 'status'))) {
    return new StoreError(
      `DATA_DIR ${dataDir} is locked: another gatewatch process owns it (chDB: cannot lock ${resolve(dataDir, 'status')}); stop that process or set DATA_DIR to another directory`,
      { cause: err },
    );
  }
  return new StoreError(`cannot open embedded chDB in ${dataDir} (${msg}): check DATA_DIR`, { cause: err });
}
