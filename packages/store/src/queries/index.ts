export * from './node-config.ts';
export * from './traces.ts';
