import type { ClickHouseClient } from '@clickhouse/client';
import { firstLine, StoreError } from './errors.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32,
  name String,
  appliedAt DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version`;

/** Check the registry is strictly ascending and unique, so a bad append fails loudly at startup. */
export function checkMigrations(list: readonly Migration[]): void {
  let prev = 0;
  for (const m of list) {
    if (!Number.isInteger(m.version) || m.version <= prev) {
      throw new StoreError(
        `migration ${m.version} (${m.name}) is out of order: versions must be unique and ascending in src/migrations/index.ts`,
      );
    }
    prev = m.version;
  }
}

export async function appliedVersions(client: ClickHouseClient): Promise<number[]> {
  const rs = await client.query({
    query: 'SELECT DISTINCT version FROM schema_migrations ORDER BY version',
    format: 'JSONEachRow',
  });
  return (await rs.json<{ version: number }>()).map((r) => Number(r.version));
}

/**
 * Apply every migration not yet recorded, in order. Statements are idempotent, so a crash between a
 * statement and its ledger row is repaired by re-running; the ledger is ReplacingMergeTree, so two
 * processes racing on a server leave one row per version.
 */
export async function applyMigrations(
  client: ClickHouseClient,
  list: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  checkMigrations(list);
  await client.command({ query: LEDGER });
  const done = new Set(await appliedVersions(client));
  const applied: number[] = [];
  for (const m of list) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new StoreError(
          `migration ${m.version} (${m.name}) failed: ${firstLine(err)}; fix the statement in packages/store/src/migrations`,
          { cause: err },
        );
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name }],
      // No dedup token: chDB keeps settings given to the client for the whole session, and a token left
      // there would make later inserts into the deduplicating tables look like repeats (they are dropped).
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  return applied;
}
