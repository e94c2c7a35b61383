import type { Store } from '@gatewatch/store';

declare global {
  /** Set by the all-in-one launcher: only one process may open an embedded chDB directory. */
  var __gatewatchStore: Store | undefined;
  /** The dashboard's own lazily opened store (when nothing was injected). */
  var __gatewatchStorePromise: Promise<Store> | undefined;
}
