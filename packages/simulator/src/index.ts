export * from './agent.ts';
export * from './certs.ts';
export * from './endpoint.ts';
export * from './fuzz.ts';
export * from './persistent-agent.ts';
export * from './ports.ts';
export * from './squid.ts';
