export * from './errors';
export * from './heartbeat';
export * from './backoff';
