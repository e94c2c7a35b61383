export * from './agent.ts';
export * from './certs.ts';
export * from './endpoint.ts';
export * from './squid.ts';
