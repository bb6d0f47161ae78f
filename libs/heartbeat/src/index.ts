export * from './clock';
export * from './backoff';
export * from './http-transport';
export * from './controller-link';
export * from './heartbeat-builder';
export * from './heartbeat-loop';
