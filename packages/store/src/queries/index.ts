export * from './common.ts';
export * from './counters.ts';
export * from './traces.ts';
