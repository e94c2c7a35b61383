import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/index.ts';

/** A store on a fresh temp data dir; `done()` closes it and removes the dir. */
export async function tempStore(): Promise<{ store: Store; dataDir: string; done: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-store-'));
  const store = await openStore({ dataDir });
  return {
    store,
    dataDir,
    done: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function rows<T>(
  store: Store,
  query: string,
  query_params: Record<string, unknown> = {},
): Promise<T[]> {
  const rs = await store.client.query({ query, query_params, format: 'JSONEachRow' });
  return rs.json<T>();
}

export async function scalar(
  store: Store,
  query: string,
  query_params: Record<string, unknown> = {},
): Promise<number> {
  const [row] = await rows<{ v: number | string }>(store, query, query_params);
  return Number(row?.v);
}
