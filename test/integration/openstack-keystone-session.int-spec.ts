import { createLogger, keystoneSchema } from '@vigil/config';
import { ErrorCode } from '@vigil/contracts';
import { KeystoneSession } from '@vigil/openstack';
import { KeystoneFake, LogCapture } from '@vigil/testing';

const PASSWORD = 'Zs3cret-service-pw';
const APP_SECRET = 'app-cred-secret-42';

// KeystoneSession against the Keystone fake: issue, cache, single-flight, renewal, catalog, failures.
describe('KeystoneSession', () => {
  let keystone: KeystoneFake;
  const logs = new LogCapture();
  const logger = createLogger({ name: 'ks-test', level: 'debug', destination: logs });

  beforeAll(async () => {
    keystone = new KeystoneFake({
      users: [{ name: 'vigil', password: PASSWORD, roles: { service: ['admin'] } }],
      applicationCredentials: [
        {
          id: 'ac-1',
          name: 'ha-ctl',
          secret: APP_SECRET,
          userName: 'vigil',
          projectName: 'service',
          roles: ['admin'],
        },
      ],
      catalog: [
        { type: 'compute', interface: 'public', url: 'https://nova.pub/v2.1' },
        { type: 'compute', interface: 'internal', region: 'RegionOne', url: 'http://nova-1/v2.1/' },
        { type: 'compute', interface: 'internal', region: 'RegionTwo', url: 'http://nova-2/v2.1' },
      ],
    });
    await keystone.start();
  });

  afterAll(async () => {
    await keystone.stop();
  });

  beforeEach(() => {
    keystone.http.clearFaults();
    keystone.tokenLifetimeMs = 3_600_000;
  });

  const session = (overrides: Record<string, unknown> = {}, now?: () => number): KeystoneSession =>
    new KeystoneSession({
      config: keystoneSchema.parse({
        authUrl: `${keystone.authUrl}/`,
        username: 'vigil',
        password: PASSWORD,
        projectName: 'service',
        timeoutMs: 500,
        ...overrides,
      }),
      logger,
      now,
    });

  it('issues one token for concurrent callers and caches it', async () => {
    const s = session();
    const before = keystone.issueCalls;
    const tokens = await Promise.all(Array.from({ length: 10 }, () => s.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(await s.token()).toBe(tokens[0]);
    expect(keystone.issueCalls).toBe(before + 1);
    expect(keystone.inspectToken(tokens[0] ?? '')?.user.name).toBe('vigil');
  });

  it('re-issues when less than renewBeforeExpiryMs is left, and after invalidate', async () => {
    let now = Date.now();
    const s = session({ renewBeforeExpiryMs: 120_000 }, () => now);
    const { token: first, info } = await s.auth();
    now = info.expiresAtMs - 120_001;
    expect(await s.token()).toBe(first);
    now = info.expiresAtMs - 119_999;
    const second = await s.token();
    expect(second).not.toBe(first);
    // Back to the real clock: the second token has its whole lifetime ahead (the fake stamps expiry
    // from real time, so staying near the first token's expiry could make the second look stale too).
    now = Date.now();
    s.invalidate('some-older-token');
    expect(await s.token()).toBe(second);
    s.invalidate(second);
    expect(await s.token()).not.toBe(second);
  });

  it('authenticates with an application credential, without a scope', async () => {
    const s = session({
      username: undefined,
      password: undefined,
      projectName: undefined,
      applicationCredentialId: 'ac-1',
      applicationCredentialSecret: APP_SECRET,
    });
    const auth = await s.auth();
    expect(auth.info).toMatchObject({ userName: 'vigil', projectName: 'service', roles: ['admin'] });
  });

  it('picks endpoints by type, interface (publicURL style too) and region', async () => {
    const s = session({ interface: 'internal', region: 'RegionTwo' });
    expect(await s.endpoint('compute')).toBe('http://nova-2/v2.1');
    expect(await s.endpoint('compute', { region: 'RegionOne' })).toBe('http://nova-1/v2.1');
    expect(await s.endpoint('compute', { interface: 'publicURL', region: 'RegionOne' })).toBe(
      'https://nova.pub/v2.1',
    );
    await expect(s.endpoint('instance-ha')).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
  });

  it.each([
    ['a wrong password', { password: 'wrong-password' }, ErrorCode.AUTH_FAILED],
    ['an unknown project', { projectName: 'nope' }, ErrorCode.AUTH_FAILED],
  ])('fails with %s as %s', async (_why, overrides, code) => {
    await expect(session(overrides).token()).rejects.toMatchObject({ code });
  });

  it('answers keystone-style 400 to a user name without domain, 401 to an app credential with a scope', async () => {
    const noDomain = await fetch(`${keystone.authUrl}/auth/tokens`, {
      method: 'POST',
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'vigil', password: PASSWORD } } },
        },
      }),
    });
    expect(noDomain.status).toBe(400);
    expect(await noDomain.json()).toEqual({
      error: { code: 400, title: 'Bad Request', message: 'Expecting to find domain in user' },
    });
    const scoped = await fetch(`${keystone.authUrl}/auth/tokens`, {
      method: 'POST',
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { id: 'ac-1', secret: APP_SECRET },
          },
          scope: { project: { id: 'x' } },
        },
      }),
    });
    expect(scoped.status).toBe(401);
    expect(scoped.headers.get('www-authenticate')).toContain('Keystone uri=');
    const nocatalog = await fetch(`${keystone.authUrl}/auth/tokens?nocatalog`, {
      method: 'POST',
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'vigil', domain: { name: 'Default' }, password: PASSWORD } },
          },
          scope: { project: { name: 'service', domain: { id: 'default' } } },
        },
      }),
    });
    expect(nocatalog.status).toBe(201);
    const body = (await nocatalog.json()) as { token: { catalog?: unknown; expires_at: string } };
    expect(body.token.catalog).toBeUndefined();
    expect(body.token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('maps 5xx to UNAVAILABLE, no answer to TIMEOUT, a closed port to UNAVAILABLE', async () => {
    keystone.http.failNext(1, 503);
    await expect(session().token()).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    keystone.http.hangNext(1);
    await expect(session().token()).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
    const closed = new KeystoneFake();
    await closed.start();
    const url = closed.authUrl;
    await closed.stop();
    await expect(session({ authUrl: url }).token()).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('validates tokens: info for a live one, undefined for a revoked one', async () => {
    const s = session();
    const caller = keystone.issueToken('vigil', 'service');
    expect(await s.validateToken(caller)).toMatchObject({ userName: 'vigil', roles: ['admin'], catalog: [] });
    keystone.expire(caller);
    expect(await s.validateToken(caller)).toBeUndefined();
  });

  it('never logs the password, the secret or a token', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.linesContaining(PASSWORD, APP_SECRET, ...keystone.issuedTokens())).toEqual([]);
  });
});
