import { type BenchResult } from '../report';
import { notesOf, readStormGuard } from '../mttr/guard-read';
import { SimStack } from '../mttr/sim-stack';

/** 40 hosts, 8 racks of 5 dealt round robin to 2 segments; half the racks = half of each segment. */
const SCENARIO = { hosts: 40, hostsPerRack: 5, segments: 2 };
const INSTANCES_PER_HOST = 5;
/** How long each storm is watched for a fence that must not come, ms. */
const OBSERVE_MS = 30_000;

type StormKind = 'controller-cliff' | 'half-racks-partitioned';

interface StormFigures {
  storm: StormKind;
  silentHosts: number;
  hostsFencedByBmc: number;
  evacuateCalls: number;
  notifications: number;
  hostsByState: Record<string, number>;
  notesOfSilentHosts: Record<string, number>;
  stormGuard: unknown;
}

export async function storm(): Promise<BenchResult> {
  const cliff = await runStorm('controller-cliff');
  const partition = await runStorm('half-racks-partitioned');
  const fenced = cliff.hostsFencedByBmc + partition.hostsFencedByBmc;
  const summary =
    `${fenced === 0 ? 'no host fenced' : `${fenced} HOSTS FENCED`}; controller cliff (all heartbeats lost, Nova up): states ${JSON.stringify(cliff.hostsByState)}; ` +
    `half the racks partitioned (20/40 silent, Nova down for them): states ${JSON.stringify(partition.hostsByState)}, ` +
    `${guardCount(partition.stormGuard)} guard(s) engaged`;
  return {
    name: 'storm',
    parameters: {
      cloud: `${SCENARIO.hosts} hosts, ${SCENARIO.hostsPerRack} per rack, ${SCENARIO.segments} segments (recovery_method auto), ${INSTANCES_PER_HOST} instances on each silent host`,
      controller:
        'child process, real redis-server, default config (storm guard 33 % per segment, cliff 50 % within 10 s, at least 4 hosts)',
      storms: {
        'controller-cliff':
          'CloudSim.setControllerCliff(true): no heartbeat reaches the controller, hosts and Nova fine',
        'half-racks-partitioned':
          'CloudSim.partitionRack on racks 1-4 (half of each segment): their heartbeats are never delivered and Nova reports their nova-compute down, BMCs On',
      },
      observedMs: OBSERVE_MS,
    },
    figures: { cliff, partition },
    summary,
  };
}

async function runStorm(kind: StormKind): Promise<StormFigures> {
  const silentRacks = kind === 'controller-cliff' ? [] : ['rack-01', 'rack-02', 'rack-03', 'rack-04'];
  const hosts = Array.from({ length: SCENARIO.hosts }, (_, i) => `cmp-${String(i + 1).padStart(4, '0')}`);
  const silent =
    kind === 'controller-cliff' ? hosts : hosts.slice(0, silentRacks.length * SCENARIO.hostsPerRack);
  const stack = await SimStack.start({
    scenario: SCENARIO,
    loadedHosts: silent,
    instancesPerHost: INSTANCES_PER_HOST,
  });
  try {
    const evacuationsBefore = stack.novaClock.evacuateCalls();
    if (kind === 'controller-cliff') stack.sim.setControllerCliff(true);
    else for (const rack of silentRacks) stack.sim.partitionRack(rack, true);
    await new Promise((r) => setTimeout(r, OBSERVE_MS));
    const summary = await stack.api.clusterSummary();
    const figures: StormFigures = {
      storm: kind,
      silentHosts: silent.length,
      hostsFencedByBmc: stack.fencedHosts().length,
      evacuateCalls: stack.novaClock.evacuateCalls() - evacuationsBefore,
      notifications: await countNotifications(stack),
      hostsByState: summary.hostsByState,
      notesOfSilentHosts: await notesOf(stack.api, silent),
      stormGuard: await readStormGuard(stack.api),
    };
    process.stdout.write(
      `  storm (${kind}): fenced ${figures.hostsFencedByBmc}, evacuates ${figures.evacuateCalls}, states ${JSON.stringify(figures.hostsByState)}\n`,
    );
    return figures;
  } finally {
    await stack.stop();
  }
}

async function countNotifications(stack: SimStack): Promise<number> {
  const body = await stack.api.call('GET', '/v1/notifications');
  if (typeof body !== 'object' || body === null || !('notifications' in body)) return 0;
  return Array.isArray(body.notifications) ? body.notifications.length : 0;
}

function guardCount(stormGuard: unknown): number {
  if (typeof stormGuard !== 'object' || stormGuard === null || !('guards' in stormGuard)) return 0;
  const { guards } = stormGuard;
  return Array.isArray(guards) ? guards.length : 0;
}
