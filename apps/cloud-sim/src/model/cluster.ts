import { type Scenario, type SimFlavor } from '../scenario/scenario';
import { seededRandom } from './rng';

export interface SimHost {
  name: string;
  rack: string;
  segment: string;
  reserved: boolean;
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

export interface SimInstance {
  name: string;
  host: string;
  flavor: SimFlavor;
  stopped: boolean;
  metadata: Record<string, string>;
}

export interface ClusterPlan {
  hosts: SimHost[];
  racks: string[];
  segments: string[];
  instances: SimInstance[];
  /** Instances the scheduler could not place for lack of capacity (never silently overbooked). */
  unplaced: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * The cloud a scenario describes, as plain data: hosts grouped in racks, racks dealt to segments round
 * robin (so a rack partition hits one segment), and instances placed by a seeded scheduler that spreads
 * load (most free vCPUs first, ties broken by the seed) and never exceeds a host's capacity.
 */
export function planCluster(scenario: Scenario): ClusterPlan {
  const random = seededRandom(scenario.seed);
  const width = Math.max(4, String(scenario.hosts).length);
  const rackCount = Math.ceil(scenario.hosts / scenario.hostsPerRack);
  const racks = Array.from({ length: rackCount }, (_, i) => `rack-${pad(i + 1, 2)}`);
  const segments = Array.from(
    { length: Math.min(scenario.segments, rackCount) },
    (_, i) => `segment-${i + 1}`,
  );
  const hosts: SimHost[] = Array.from({ length: scenario.hosts }, (_, i) => {
    const rackIndex = Math.floor(i / scenario.hostsPerRack);
    return {
      name: `cmp-${pad(i + 1, width)}`,
      rack: racks[rackIndex] ?? 'rack-01',
      segment: segments[rackIndex % segments.length] ?? 'segment-1',
      reserved: false,
      ...scenario.host,
    };
  });
  // The last hosts of each segment are its reserved ones.
  for (const segment of segments) {
    const members = hosts.filter((h) => h.segment === segment);
    const count = Math.min(scenario.reservedPerSegment, Math.max(0, members.length - 1));
    for (const h of members.slice(members.length - count)) h.reserved = true;
  }
  const { instances, unplaced } = placeInstances(scenario, hosts, random);
  return { hosts, racks, segments, instances, unplaced };
}

function placeInstances(
  scenario: Scenario,
  hosts: readonly SimHost[],
  random: () => number,
): { instances: SimInstance[]; unplaced: number } {
  const free = new Map(
    hosts
      .filter((h) => !h.reserved)
      .map((h) => [h.name, { vcpus: h.vcpus, ramMb: h.memoryMb, diskGb: h.localGb }]),
  );
  // Hosts kept sorted by free vCPUs would cost O(n log n) per instance at 20k hosts; sampling a few
  // candidates and taking the emptiest spreads nearly as well in O(1).
  const names = [...free.keys()];
  const instances: SimInstance[] = [];
  let unplaced = 0;
  const width = Math.max(4, String(scenario.instances).length);
  for (let i = 0; i < scenario.instances; i++) {
    const flavor = scenario.flavors[Math.floor(random() * scenario.flavors.length)] ?? scenario.flavors[0];
    if (!flavor || names.length === 0) {
      unplaced += 1;
      continue;
    }
    const fits = (name: string): boolean => {
      const room = free.get(name);
      return (
        !!room && room.vcpus >= flavor.vcpus && room.ramMb >= flavor.ramMb && room.diskGb >= flavor.diskGb
      );
    };
    let best: string | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      const name = names[Math.floor(random() * names.length)] ?? '';
      if (fits(name) && (best === undefined || (free.get(name)?.vcpus ?? 0) > (free.get(best)?.vcpus ?? 0)))
        best = name;
    }
    best ??= names.find(fits);
    const room = best === undefined ? undefined : free.get(best);
    if (best === undefined || !room) {
      unplaced += 1;
      continue;
    }
    room.vcpus -= flavor.vcpus;
    room.ramMb -= flavor.ramMb;
    room.diskGb -= flavor.diskGb;
    const metadata: Record<string, string> = {};
    if (random() * 100 < scenario.haEnabledPercent) metadata.HA_Enabled = 'True';
    // A few instances matter more; the recovery engine moves higher priorities first.
    if (random() < 0.1) metadata['vigil:priority'] = String(100);
    instances.push({
      name: `vm-${pad(i + 1, width)}`,
      host: best,
      flavor,
      stopped: random() * 100 < scenario.stoppedPercent,
      metadata,
    });
  }
  return { instances, unplaced };
}
