export * from './schema';
export * from './load';
export * from './logger';
export * from './monitor-schema';
