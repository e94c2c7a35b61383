export * from './catalog.ts';
export * from './reasons.ts';
export * from './records.ts';
export * from './topics.ts';
export * from './workspace.ts';
