import { controllerConfigSchema, createLogger } from '@vigil/config';
import { KeystoneFake, LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import {
  KeystoneTokenValidator,
  keystoneTokenValidatorFrom,
} from '../../apps/controller/src/api/keystone-token-validator';
import { KeystoneSession } from '@vigil/openstack';

const SERVICE_PASSWORD = 'svc-Pa55word-xyz';

// The controller's API edge with auth.strategy keystone, validating callers against a Keystone fake.
describe('Keystone authentication of API callers', () => {
  let redis: RedisFixture;
  let keystone: KeystoneFake;
  let controller: ControllerApp;
  const logs = new LogCapture();
  const issuedTokens: string[] = [];
  let config: ReturnType<typeof controllerConfigSchema.parse>;

  beforeAll(async () => {
    redis = await startRedis();
    keystone = new KeystoneFake({
      tokenLifetimeMs: 60_000,
      users: [
        { name: 'vigil', password: SERVICE_PASSWORD, roles: { service: ['admin', 'service'] } },
        { name: 'alice', password: 'alice-pass-1', roles: { ops: ['admin'] } },
        { name: 'bob', password: 'bob-pass-1', roles: { ops: ['member', 'reader'] } },
      ],
    });
    await keystone.start();
    config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'keystone', tokenCacheTtlMs: 5_000 },
      redis: { url: redis.url, password: redis.password },
      // A service token lives 60 s and is renewed when less than 59 s are left: re-issued every second.
      keystone: {
        authUrl: keystone.authUrl,
        username: 'vigil',
        password: SERVICE_PASSWORD,
        projectName: 'service',
        timeoutMs: 2_000,
        renewBeforeExpiryMs: 59_000,
      },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'test', level: 'debug', destination: logs }),
    });
  });

  afterAll(async () => {
    await controller.close();
    await keystone.stop();
    await redis.stop();
  });

  const tokenFor = (user: string, project: string): string => {
    const token = keystone.issueToken(user, project);
    issuedTokens.push(token);
    return token;
  };
  const getV1 = (token?: string): Promise<Response> =>
    fetch(`${controller.url}/v1`, { headers: token ? { 'X-Auth-Token': token } : {} });

  async function expectKeystone401(res: Response): Promise<void> {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Keystone');
    expect(await res.json()).toEqual({
      error: { code: 401, title: 'Unauthorized', message: expect.any(String) },
    });
  }

  it('rejects a request without a token with a keystone-style 401', async () => {
    await expectKeystone401(await getV1());
  });

  it('rejects a bogus token after asking Keystone', async () => {
    const before = keystone.validateCalls;
    await expectKeystone401(await getV1('gAAAAA-not-a-token'));
    expect(keystone.validateCalls).toBe(before + 1);
  });

  it('rejects an expired token and a revoked one', async () => {
    const expired = tokenFor('alice', 'ops');
    keystone.expire(expired);
    await expectKeystone401(await getV1(expired));

    const revoked = tokenFor('alice', 'ops');
    const admin = tokenFor('alice', 'ops');
    const del = await fetch(`${keystone.authUrl}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': admin, 'X-Subject-Token': revoked },
    });
    expect(del.status).toBe(204);
    await expectKeystone401(await getV1(revoked));
  });

  it('accepts an admin token and caches the answer for tokenCacheTtlMs', async () => {
    const token = tokenFor('alice', 'ops');
    const before = keystone.validateCalls;
    const first = await getV1(token);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { version: { id: string } }).version.id).toBe('v1.0');
    expect(keystone.validateCalls).toBe(before + 1);
    expect((await getV1(token)).status).toBe(200);
    expect((await getV1(token)).status).toBe(200);
    expect(keystone.validateCalls).toBe(before + 1);
  });

  // Issue 19, item 8: the positive cache is the only window in which Keystone's revocation is not seen.
  describe('a token revoked in Keystone stops working within auth.tokenCacheTtlMs', () => {
    const revoke = async (token: string): Promise<void> => {
      const res = await fetch(`${keystone.authUrl}/auth/tokens`, {
        method: 'DELETE',
        headers: { 'X-Auth-Token': tokenFor('alice', 'ops'), 'X-Subject-Token': token },
      });
      expect(res.status).toBe(204);
    };

    it('is trusted from the cache until the window ends, then Keystone is asked and says no', async () => {
      // The controller's own validator and Keystone session, on a clock the test moves.
      let now = Date.now();
      const ttl = config.auth.tokenCacheTtlMs;
      const validator = new KeystoneTokenValidator({
        introspector: new KeystoneSession({
          config: config.keystone as NonNullable<typeof config.keystone>,
          logger: createLogger({ name: 'v', destination: logs }),
        }),
        cacheTtlMs: ttl,
        now: () => now,
      });
      const token = tokenFor('alice', 'ops');
      expect(await validator.validate(token)).toMatchObject({ userName: 'alice' });
      await revoke(token);
      const calls = keystone.validateCalls;
      now += ttl - 1;
      // The documented window: still accepted, and Keystone was not asked.
      expect(await validator.validate(token)).toMatchObject({ userName: 'alice' });
      expect(keystone.validateCalls).toBe(calls);
      now += 1;
      expect(await validator.validate(token)).toBeUndefined();
      expect(keystone.validateCalls).toBe(calls + 1);
      // A refusal is not cached: it stays refused, asking Keystone each time.
      expect(await validator.validate(token)).toBeUndefined();
      expect(keystone.validateCalls).toBe(calls + 2);
    });

    it('through the API: 200 from the cache, then a keystone-style 401 once the entry expires', async () => {
      const token = tokenFor('alice', 'ops');
      expect((await getV1(token)).status).toBe(200);
      await revoke(token);
      const calls = keystone.validateCalls;
      let last: Response | undefined;
      await waitFor(
        async () => {
          last = await getV1(token);
          return last.status !== 200;
        },
        {
          timeoutMs: config.auth.tokenCacheTtlMs + 15_000,
          intervalMs: 200,
          what: 'the revoked token refused',
        },
      );
      await expectKeystone401(last as Response);
      // Refused because Keystone was asked again (the cache entry ran out), not for another reason.
      expect(keystone.validateCalls).toBe(calls + 1);
    });
  });

  it('lets a token without the admin role through the guard with its roles mapped', async () => {
    const token = tokenFor('bob', 'ops');
    expect((await getV1(token)).status).toBe(200);
    const validator = keystoneTokenValidatorFrom(config, createLogger({ name: 'v', destination: logs }));
    const identity = await validator.validate(token);
    expect(identity).toEqual({
      userId: keystone.directory.users.find((u) => u.name === 'bob')?.id,
      userName: 'bob',
      projectId: keystone.directory.projects.find((p) => p.name === 'ops')?.id,
      roles: ['member', 'reader'],
    });
  });

  it('re-issues its service token before it expires and keeps validating', async () => {
    const issuesBefore = keystone.issueCalls;
    await waitFor(
      async () => {
        const res = await getV1(tokenFor('alice', 'ops'));
        expect(res.status).toBe(200);
        return keystone.issueCalls > issuesBefore;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'a new service token' },
    );
  });

  it('re-authenticates once when Keystone rejects the cached service token', async () => {
    keystone.revokeAll();
    const issuesBefore = keystone.issueCalls;
    const res = await getV1(tokenFor('alice', 'ops'));
    expect(res.status).toBe(200);
    expect(keystone.issueCalls).toBe(issuesBefore + 1);
  });

  it('answers 503 while Keystone fails, without caching the failure', async () => {
    const token = tokenFor('alice', 'ops');
    keystone.http.failNext(1, 503, /^GET /);
    const res = await getV1(token);
    expect(res.status).toBe(503);
    expect((await getV1(token)).status).toBe(200);
  });

  it('never writes a password or token to the log', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.linesContaining(SERVICE_PASSWORD, ...issuedTokens)).toEqual([]);
    expect(logs.text()).toContain('issued Keystone service token');
  });
});
