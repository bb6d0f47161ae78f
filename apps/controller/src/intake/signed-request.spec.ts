import { intakeSchema } from '@vigil/config';
import { ErrorCode, deriveHostSecret, signBody } from '@vigil/contracts';
import { SignatureVerifier } from './signed-request';

const KEY = 'k'.repeat(40);
const NOW = 1_700_000_000_000;
const body = '{"v":1}';
const signed = (at: number, host = 'h1'): string => signBody(deriveHostSecret(KEY, host), body, at);

describe('SignatureVerifier', () => {
  const verifier = new SignatureVerifier(intakeSchema.parse({ heartbeatMasterKey: KEY, maxSkewMs: 5000 }));

  it.each([
    { name: 'valid', host: 'h1', header: signed(NOW), code: undefined },
    { name: 'clock jitter within maxSkewMs', host: 'h1', header: signed(NOW - 4999), code: undefined },
    { name: 'beyond maxSkewMs', host: 'h1', header: signed(NOW - 5001), code: ErrorCode.CONFLICT },
    { name: 'beyond the contract cap', host: 'h1', header: signed(NOW + 31_000), code: ErrorCode.CONFLICT },
    { name: "another host's secret", host: 'h2', header: signed(NOW, 'h1'), code: ErrorCode.UNAUTHORIZED },
    { name: 'no header', host: 'h1', header: undefined, code: ErrorCode.UNAUTHORIZED },
    { name: 'no host', host: undefined, header: signed(NOW), code: ErrorCode.UNAUTHORIZED },
  ])('$name', ({ host, header, code }) => {
    const outcome = (): unknown => {
      try {
        return verifier.verify(host, body, header, NOW);
      } catch (err) {
        return (err as { code?: unknown }).code;
      }
    };
    expect(outcome()).toBe(code ?? host);
  });

  it('without a master key, intake is disabled (503), whatever the request', () => {
    const disabled = new SignatureVerifier(intakeSchema.parse({}));
    expect(disabled.enabled).toBe(false);
    expect(() => disabled.verify('h1', body, signed(NOW), NOW)).toThrow(
      expect.objectContaining({ code: ErrorCode.UNAVAILABLE }) as Error,
    );
  });

  it('a master key shorter than 32 characters is a config error', () => {
    expect(intakeSchema.safeParse({ heartbeatMasterKey: 'short' }).success).toBe(false);
  });
});
