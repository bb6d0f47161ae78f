import { type KeystoneConfig, keystoneSchema } from '@vigil/config';
import { KeystoneFake } from '../keystone-fake/keystone-fake';
import { NovaFake, type NovaFakeOptions } from './nova-fake';

export interface OpenStackFixture {
  keystone: KeystoneFake;
  nova: NovaFake;
  /** Service credentials of user `vigil` (admin of project `service`), for `KeystoneSession`. */
  keystoneConfig: KeystoneConfig;
  /** The service user's password, for asserting that logs never carry it. */
  servicePassword: string;
  stop(): Promise<void>;
}

export interface OpenStackFixtureOptions {
  nova?: Omit<NovaFakeOptions, 'keystone' | 'authenticate'>;
  /** Lifetime of Keystone tokens (ms); default one hour. */
  tokenLifetimeMs?: number;
  /** Overrides of the generated Keystone config (timeouts, renewal). */
  keystone?: Partial<KeystoneConfig>;
}

/**
 * A Keystone fake and a Nova fake wired together on loopback ports: Nova checks tokens against Keystone,
 * and the catalog's `compute` endpoint (internal and public, RegionOne) points at Nova.
 */
export async function startOpenStack(options: OpenStackFixtureOptions = {}): Promise<OpenStackFixture> {
  const servicePassword = `svc-${Math.random().toString(36).slice(2)}-pw`;
  const keystone = new KeystoneFake({
    tokenLifetimeMs: options.tokenLifetimeMs,
    users: [{ name: 'vigil', password: servicePassword, roles: { service: ['admin', 'service'] } }],
  });
  const nova = new NovaFake({ ...options.nova, keystone });
  await keystone.start();
  const endpoint = await nova.start();
  keystone.catalog.push(
    { type: 'compute', name: 'nova', interface: 'internal', url: endpoint },
    { type: 'compute', name: 'nova', interface: 'public', url: endpoint },
  );
  const keystoneConfig = keystoneSchema.parse({
    authUrl: keystone.authUrl,
    username: 'vigil',
    password: servicePassword,
    projectName: 'service',
    timeoutMs: 2_000,
    ...options.keystone,
  });
  return {
    keystone,
    nova,
    keystoneConfig,
    servicePassword,
    async stop() {
      await nova.stop();
      await keystone.stop();
    },
  };
}
