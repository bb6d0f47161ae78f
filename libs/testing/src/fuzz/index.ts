export * from './random';
export * from './values';
export * from './cases';
export * from './checks';
