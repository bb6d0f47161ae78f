import { parseScenario } from '../scenario/scenario';
import { planCluster } from './cluster';

describe('planCluster', () => {
  it('builds the demo cloud: 8 hosts in 2 racks and 2 segments, one reserved host each, 40 instances', () => {
    const plan = planCluster(parseScenario({ hosts: 8, instances: 40, segments: 2, hostsPerRack: 4 }));
    expect(plan.hosts.map((h) => h.name)).toEqual(
      ['01', '02', '03', '04', '05', '06', '07', '08'].map((n) => `cmp-00${n}`),
    );
    expect(plan.racks).toEqual(['rack-01', 'rack-02']);
    expect(plan.hosts.filter((h) => h.reserved).map((h) => [h.name, h.segment])).toEqual([
      ['cmp-0004', 'segment-1'],
      ['cmp-0008', 'segment-2'],
    ]);
    expect(plan.instances).toHaveLength(40);
    expect(plan.unplaced).toBe(0);
    const reserved = new Set(plan.hosts.filter((h) => h.reserved).map((h) => h.name));
    expect(plan.instances.some((i) => reserved.has(i.host))).toBe(false);
  });

  it('is the same cloud for the same seed and a different one for another seed', () => {
    const a = planCluster(parseScenario({ seed: 7, instances: 100 }));
    const b = planCluster(parseScenario({ seed: 7, instances: 100 }));
    const c = planCluster(parseScenario({ seed: 8, instances: 100 }));
    expect(b).toEqual(a);
    expect(c.instances.map((i) => i.host)).not.toEqual(a.instances.map((i) => i.host));
  });

  it.each([
    // 2 usable hosts x 4 vCPUs, 2-vCPU flavor: 4 fit, the rest is reported, never overbooked.
    [{ hosts: 3, hostsPerRack: 3, segments: 1, reservedPerSegment: 1, instances: 10 }, 4, 6],
    [{ hosts: 3, hostsPerRack: 3, segments: 1, reservedPerSegment: 0, instances: 5 }, 5, 0],
  ])('respects capacity %j', (input, placed, unplaced) => {
    const plan = planCluster(
      parseScenario({
        ...input,
        host: { vcpus: 4, memoryMb: 65_536, localGb: 1_000 },
        flavors: [{ name: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 40 }],
      }),
    );
    expect([plan.instances.length, plan.unplaced]).toEqual([placed, unplaced]);
    const perHost = new Map<string, number>();
    for (const i of plan.instances) perHost.set(i.host, (perHost.get(i.host) ?? 0) + i.flavor.vcpus);
    for (const used of perHost.values()) expect(used).toBeLessThanOrEqual(4);
  });

  it('scales to thousands of hosts and tens of thousands of instances', () => {
    const plan = planCluster(
      parseScenario({ hosts: 2000, hostsPerRack: 40, segments: 10, instances: 30_000 }),
    );
    expect(plan.instances).toHaveLength(30_000);
    expect(plan.racks).toHaveLength(50);
    expect(new Set(plan.hosts.map((h) => h.segment)).size).toBe(10);
  });
});
