/** Injection token of the inventory's key naming (built from `config.redis.keyPrefix`). */
export const INVENTORY_KEYS = Symbol('INVENTORY_KEYS');
