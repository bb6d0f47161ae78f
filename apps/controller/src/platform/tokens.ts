/** Injection tokens of process-wide singletons. */
export const CONFIG = Symbol('VIGIL_CONFIG');
export const LOGGER = Symbol('VIGIL_LOGGER');
/** ioredis client for commands (fails fast when Redis is down). */
export const REDIS = Symbol('VIGIL_REDIS');
/** OpenStackClients: the Keystone session and Nova client (absent without a keystone section). */
export const OPENSTACK = Symbol('VIGIL_OPENSTACK');
