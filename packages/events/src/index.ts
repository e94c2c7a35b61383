export * from './catalog.ts';
export * from './markdown.ts';
export * from './reasons.ts';
export * from './records.ts';
export * from './topics.ts';
export * from './workspace.ts';
