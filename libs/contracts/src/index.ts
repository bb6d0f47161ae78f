export * from './errors';
export * from './heartbeat';
