/** The dashboard's queries (one export line in the store index points here). */
export * from './dashboard-common.ts';
export * from './dashboard-counters.ts';
export * from './dashboard-events.ts';
export * from './dashboard-nodes.ts';
export * from './dashboard-traces.ts';
