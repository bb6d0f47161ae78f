export * from './client';
export * from './redis-server-process';
export type { default as Redis } from 'ioredis';
