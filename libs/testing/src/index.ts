export * from './redis-fixture';
export * from './log-capture';
export * from './wait-for';
