import { ErrorCode, VigilError } from '@vigil/contracts';
import { createFencingDriver, parseFencingTarget } from './create-fencing-driver';

const base = { address: '10.1.0.11', username: 'admin', password: 'Secr3t-value' };

describe('parseFencingTarget', () => {
  it('fills the documented defaults', () => {
    expect(parseFencingTarget({ driver: 'ipmitool', ...base })).toMatchObject({
      port: 623,
      cipher: 3,
      retries: 1,
      privilegeLevel: 'ADMINISTRATOR',
    });
    expect(parseFencingTarget({ driver: 'redfish', ...base })).toMatchObject({
      port: 443,
      scheme: 'https',
      auth: 'basic',
      insecure: false,
    });
  });

  it.each([
    ['agent name with a path', { driver: 'fence-agent', agent: '../bin/sh', ...base }, 'agent'],
    ['agent name without fence_ prefix', { driver: 'fence-agent', agent: 'ipmilan', ...base }, 'agent'],
    [
      'newline in a password (stdin injection)',
      { driver: 'fence-agent', agent: 'fence_ipmilan', ...base, password: 'a\naction=on' },
      'password',
    ],
    [
      'newline in an option value',
      { driver: 'fence-agent', agent: 'fence_ipmilan', ...base, options: { cipher: '3\nx=1' } },
      'options.cipher',
    ],
    ['unknown driver', { driver: 'telnet', ...base }, 'driver'],
    ['relative ipmitool path', { driver: 'ipmitool', ...base, ipmitoolPath: 'ipmitool' }, 'ipmitoolPath'],
  ])('rejects %s, naming the key but never the password', (_name, input, key) => {
    let caught: unknown;
    try {
      parseFencingTarget(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VigilError);
    expect((caught as VigilError).code).toBe(ErrorCode.CONFIG_INVALID);
    expect((caught as VigilError).message).toContain(key);
    expect((caught as VigilError).message).not.toContain('Secr3t-value');
  });
});

describe('createFencingDriver', () => {
  it('builds the in-process fake for dry runs', async () => {
    const driver = createFencingDriver({ driver: 'fake', initialState: 'off' });
    expect(driver.kind).toBe('fake');
    await expect(driver.status({ timeoutMs: 100 })).resolves.toBe('off');
  });
});
