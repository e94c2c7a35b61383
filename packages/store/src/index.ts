export { StoreError } from './errors.ts';
export * from './fixtures.ts';
export {
  INSERT_BATCH_ROWS,
  type InsertOptions,
  insertCounters,
  insertEvents,
  insertSpans,
  insertUsage,
  type SpanRow,
} from './insert.ts';
export { appliedVersions, applyMigrations, checkMigrations } from './migrate.ts';
export { MIGRATIONS, type Migration } from './migrations/index.ts';
export {
  DEFAULT_DATA_DIR,
  DEFAULT_DATABASE,
  openStore,
  type Store,
  type StoreOptions,
  storeOptionsFromEnv,
} from './open.ts';
export * from './queries/dashboard-index.ts';
export * from './queries/index.ts';
export { INSERT_COLUMNS, ROLLUP_PERIODS, type RollupPeriodKey, rollupOf, TABLES } from './tables.ts';
