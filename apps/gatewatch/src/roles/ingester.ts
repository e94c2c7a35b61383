import { type Bus, type Ingester, runIngester } from '@gatewatch/pipeline';
import type { Store } from '@gatewatch/store';

export interface IngesterRoleOptions {
  bus: Bus;
  store: Store;
  groupId?: string;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
}

/** One member of the ingester consumer group: bus → ClickHouse, offsets committed after each insert. */
export function startIngesterRole(o: IngesterRoleOptions): Promise<Ingester> {
  return runIngester({ bus: o.bus, store: o.store, groupId: o.groupId, log: o.log });
}
