export * from './common.ts';
export * from './counters.ts';
export * from './events.ts';
export * from './rejections.ts';
export * from './traces.ts';
