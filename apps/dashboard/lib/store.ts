import { openStore, type Store, storeOptionsFromEnv } from '@gatewatch/store';
import './store-global.ts';

/** The process-wide store: the launcher's if injected, else opened lazily once from env. */
export function getStore(): Promise<Store> {
  if (globalThis.__gatewatchStore) return Promise.resolve(globalThis.__gatewatchStore);
  if (!globalThis.__gatewatchStorePromise) {
    const p = openStore(storeOptionsFromEnv(process.env));
    // A failed open is retried on the next request instead of being cached forever.
    p.catch(() => {
      if (globalThis.__gatewatchStorePromise === p) globalThis.__gatewatchStorePromise = undefined;
    });
    globalThis.__gatewatchStorePromise = p;
  }
  return globalThis.__gatewatchStorePromise;
}
