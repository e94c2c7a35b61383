/** One schema step. Statements must be idempotent (IF NOT EXISTS …) so a half-applied step can be re-run. */
export interface Migration {
  /** Unique, ascending. 1–99: store tables; ≥ 100: alerting. */
  version: number;
  name: string;
  /** Run in order with the store's database as the current database; use unqualified table names. */
  statements: readonly string[];
}
