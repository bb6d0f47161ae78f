import { ErrorCode, VigilError } from '@vigil/contracts';
import { type TokenInfo } from '@vigil/openstack';
import { KeystoneTokenValidator, type TokenIntrospector } from './keystone-token-validator';

/** In-memory Keystone: a table of tokens and a call counter; time is the test's. */
class TableIntrospector implements TokenIntrospector {
  calls = 0;
  failWith?: VigilError;
  constructor(readonly tokens: Map<string, TokenInfo>) {}
  validateToken(token: string): Promise<TokenInfo | undefined> {
    this.calls++;
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(this.tokens.get(token));
  }
}

const info = (expiresAtMs: number, projectId?: string): TokenInfo => ({
  userId: 'u1',
  userName: 'alice',
  projectId,
  roles: ['admin'],
  expiresAtMs,
  catalog: [],
});

describe('KeystoneTokenValidator', () => {
  let now = 1_000_000;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it.each([
    // [ttl, token expires in, advance, calls after the second validate]
    [30_000, 3_600_000, 29_999, 1],
    [30_000, 3_600_000, 30_000, 2],
    [30_000, 5_000, 4_999, 1],
    // The cache never outlives the token itself.
    [30_000, 5_000, 5_000, 2],
    [0, 3_600_000, 0, 2],
  ])('ttl %i, token life %i, after %i ms: %i Keystone calls', async (ttl, life, advance, calls) => {
    const keystone = new TableIntrospector(new Map([['t', info(now + life, 'p1')]]));
    const validator = new KeystoneTokenValidator({ introspector: keystone, cacheTtlMs: ttl, now: clock });
    expect(await validator.validate('t')).toEqual({
      userId: 'u1',
      userName: 'alice',
      projectId: 'p1',
      roles: ['admin'],
    });
    now += advance;
    await validator.validate('t');
    expect(keystone.calls).toBe(calls);
  });

  it('does not cache invalid tokens and rejects unscoped ones', async () => {
    const keystone = new TableIntrospector(new Map([['unscoped', info(now + 60_000, undefined)]]));
    const validator = new KeystoneTokenValidator({ introspector: keystone, cacheTtlMs: 30_000, now: clock });
    expect(await validator.validate('bogus')).toBeUndefined();
    expect(await validator.validate('bogus')).toBeUndefined();
    expect(await validator.validate('unscoped')).toBeUndefined();
    expect(keystone.calls).toBe(3);
  });

  it.each([
    [ErrorCode.UNAVAILABLE, ErrorCode.UNAVAILABLE],
    [ErrorCode.TIMEOUT, ErrorCode.UNAVAILABLE],
    [ErrorCode.AUTH_FAILED, ErrorCode.AUTH_FAILED],
  ])('a Keystone failure %s surfaces as %s', async (thrown, expected) => {
    const keystone = new TableIntrospector(new Map());
    keystone.failWith = new VigilError(thrown, 'boom');
    const validator = new KeystoneTokenValidator({ introspector: keystone, cacheTtlMs: 30_000, now: clock });
    await expect(validator.validate('t')).rejects.toMatchObject({ code: expected });
  });

  it('evicts the oldest entry beyond maxEntries', async () => {
    const keystone = new TableIntrospector(
      new Map([
        ['a', info(now + 60_000, 'p1')],
        ['b', info(now + 60_000, 'p1')],
      ]),
    );
    const validator = new KeystoneTokenValidator({
      introspector: keystone,
      cacheTtlMs: 30_000,
      now: clock,
      maxEntries: 1,
    });
    await validator.validate('a');
    await validator.validate('b');
    await validator.validate('a');
    expect(keystone.calls).toBe(3);
  });
});
