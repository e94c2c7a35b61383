/**
 * fast-check settings of the fuzz tests: FUZZ_RUNS=<n> runs each property n times (default: the test's own
 * count, a few thousand); FUZZ_SEED / FUZZ_PATH replay the failure fast-check printed (with
 * --test-name-pattern to pick the property).
 */
import type { Parameters } from 'fast-check';

export function fuzzConfig(defaultRuns: number): Parameters<unknown> {
  const runs = Number(process.env.FUZZ_RUNS);
  const seed = Number(process.env.FUZZ_SEED);
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
    ...(Number.isInteger(seed) ? { seed } : {}),
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
  };
}
