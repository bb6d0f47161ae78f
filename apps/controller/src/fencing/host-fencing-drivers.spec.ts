import { toFencingTarget } from './host-fencing-drivers';

describe('toFencingTarget', () => {
  const programs = { ipmitoolPath: '/opt/ipmi/bin/ipmitool' };
  const base = { hostUuid: 'h-1', hostName: 'cmp-1', address: '10.0.0.9', username: 'admin', password: 'pw' };

  it('takes the ipmitool binary from the config, even over one stored before the API refused it', () => {
    const target = toFencingTarget(
      { ...base, driver: 'ipmitool', options: { ipmitoolPath: '/tmp/evil.sh', cipher: 3 } },
      programs,
    );
    expect(target).toMatchObject({ driver: 'ipmitool', ipmitoolPath: '/opt/ipmi/bin/ipmitool', cipher: 3 });
  });

  it("drops stored program paths from a fence agent's options, keeps the rest", () => {
    const target = toFencingTarget(
      {
        ...base,
        driver: 'fence-agent',
        agent: 'fence_ipmilan',
        options: { ipmitool_path: '/tmp/evil.sh', lanplus: 1 },
      },
      programs,
    );
    expect(target).toMatchObject({ options: { lanplus: 1 } });
    expect(JSON.stringify(target)).not.toContain('evil');
  });
});
