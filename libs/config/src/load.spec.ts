import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/contracts';
import { loadConfig } from './load';
import { controllerConfigSchema } from './schema';

const file = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'vigil-cfg-')), 'vigil.yaml');
  writeFileSync(path, text);
  return path;
};
const noauth = { VIGIL_AUTH__STRATEGY: 'noauth' };

describe('loadConfig', () => {
  it('fills documented defaults from an empty environment', () => {
    const config = loadConfig(controllerConfigSchema, { env: noauth });
    expect(config.api).toEqual({
      host: '127.0.0.1',
      port: 15868,
      maxBodyBytes: 1_048_576,
      maxListLimit: 1000,
    });
    expect(config.redis.keyPrefix).toBe('vigil:');
    expect(config.masakari.duplicateNotificationDetectionIntervalS).toBe(180);
  });

  it('reads the YAML file named by VIGIL_CONFIG and lets the environment override it', () => {
    const path = file(
      'api:\n  port: 9000\nredis:\n  url: redis://10.0.0.1:6379\nauth:\n  strategy: noauth\n',
    );
    const config = loadConfig(controllerConfigSchema, {
      env: { VIGIL_CONFIG: path, VIGIL_API__PORT: '9100', VIGIL_REDIS__KEY_PREFIX: 'x:' },
    });
    expect(config.api.port).toBe(9100);
    expect(config.redis.url).toBe('redis://10.0.0.1:6379');
    expect(config.redis.keyPrefix).toBe('x:');
  });

  it('keeps a numeric-looking env value as a string where a string is expected', () => {
    const config = loadConfig(controllerConfigSchema, { env: { ...noauth, VIGIL_REDIS__PASSWORD: '1234' } });
    expect(config.redis.password).toBe('1234');
  });

  it('lists every invalid key in one error', () => {
    const path = file('api:\n  port: "x"\n  bogus: 1\nlog:\n  level: loud\nauth:\n  strategy: keystone\n');
    let caught: unknown;
    try {
      loadConfig(controllerConfigSchema, { env: { VIGIL_CONFIG: path } });
    } catch (err) {
      caught = err;
    }
    expect(isVigilError(caught)).toBe(true);
    const message = (caught as Error).message;
    for (const key of ['api.port', 'api', 'log.level', 'keystone']) expect(message).toContain(`- ${key}:`);
    expect(message).toContain('bogus');
  });

  it('rejects a file that cannot be read with its path', () => {
    expect(() =>
      loadConfig(controllerConfigSchema, { env: { VIGIL_CONFIG: '/nonexistent/vigil.yaml' } }),
    ).toThrow(/cannot read config file \/nonexistent\/vigil.yaml/);
  });
});
