import { detectionSchema } from '@vigil/config';
import { defaultPolicy, resolvePolicy } from './policy';

const defaults = defaultPolicy(detectionSchema.parse({}));

describe('resolvePolicy', () => {
  it('documented defaults', () => {
    expect(defaults).toMatchObject({
      heartbeatTimeoutMs: 3000,
      minEvidence: 1,
      ovs: 'evacuate',
      libvirt: 'disable',
      dataPlaneGraceMs: 60_000,
      correlatedSilenceHoldMs: 60_000,
      correlatedSilenceWindowMs: 10_000,
      stormGuard: { maxFailedPercent: 33, windowMs: 60_000, selfReleaseQuietMs: 120_000 },
    });
  });

  it.each([
    { override: undefined, expected: defaults },
    { override: { ovs: 'fence-and-evacuate' }, expected: { ...defaults, ovs: 'fence-and-evacuate' } },
    {
      override: { stormGuard: { maxFailedHosts: 3 } },
      expected: { ...defaults, stormGuard: { ...defaults.stormGuard, maxFailedHosts: 3 } },
    },
  ])('$override', ({ override, expected }) => {
    expect(resolvePolicy(defaults, override)).toEqual(expected);
  });

  it.each([{ ovs: 'reboot' }, { heartbeatTimeoutMs: -1 }, { unknownKey: 1 }, [1], 'x'])(
    'rejects %j',
    (bad) => {
      expect(() => resolvePolicy(defaults, bad)).toThrow(/detection policy/i);
    },
  );
});
