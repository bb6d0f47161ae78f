import { classifyEnvName, envNamesOf } from './env-keys';
import { loadConfig } from './load';
import { controllerConfigSchema } from './schema';

const known = envNamesOf(controllerConfigSchema);
const noauth = { VIGIL_AUTH__STRATEGY: 'noauth' };

describe('environment variables and config keys', () => {
  it('lists every key of the schema in its env form', () => {
    expect(known.get('REDIS__KEY_PREFIX')).toEqual(['redis', 'keyPrefix']);
    expect(known.get('API__PORT')).toEqual(['api', 'port']);
    expect(known.get('DATA_DIR')).toEqual(['dataDir']);
  });

  it.each([
    { name: 'API__PORT', verdict: { kind: 'apply', path: ['api', 'port'] } },
    { name: 'API_PORT', verdict: { kind: 'mistyped', nearest: 'API__PORT' } },
    { name: 'REDIS__KEY_PREFIK', verdict: { kind: 'mistyped', nearest: 'REDIS__KEY_PREFIX' } },
    {
      name: 'DETECTION__HEARTBEAT_TIMEOUT',
      verdict: { kind: 'mistyped', nearest: 'DETECTION__HEARTBEAT_TIMEOUT_MS' },
    },
    { name: 'URL', verdict: { kind: 'ignore' } },
    { name: 'MONITOR_CONTROLLER_URLS', verdict: { kind: 'ignore' } },
    { name: 'CLI_URL', verdict: { kind: 'ignore' } },
    { name: 'VERSION', verdict: { kind: 'ignore' } },
  ])('VIGIL_$name → $verdict.kind', ({ name, verdict }) => {
    expect(classifyEnvName(name, known)).toEqual(verdict);
  });

  it('unrelated VIGIL_ variables never stop the controller; they are reported as ignored', () => {
    const ignored: string[] = [];
    const config = loadConfig(controllerConfigSchema, {
      env: { ...noauth, VIGIL_URL: 'http://x', VIGIL_MONITOR_HOST: 'cmp-01', VIGIL_API__PORT: '9200' },
      onIgnoredEnv: (names) => ignored.push(...names),
    });
    expect(config.api.port).toBe(9200);
    expect(ignored).toEqual(['VIGIL_MONITOR_HOST', 'VIGIL_URL']);
  });

  it('a mistyped key stops it, naming the nearest valid variable', () => {
    expect(() =>
      loadConfig(controllerConfigSchema, { env: { ...noauth, VIGIL_REDIS__KEY_PREFIK: 'x:' } }),
    ).toThrow(/VIGIL_REDIS__KEY_PREFIK: did you mean VIGIL_REDIS__KEY_PREFIX\?/);
  });
});
