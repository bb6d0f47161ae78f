import { readFileSync } from 'node:fs';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type OpenStackFixture, startOpenStack } from '@vigil/testing';
import { type BenchResult } from '../report';
import { BenchApi, forEachLimited } from '../support/api-client';
import { ControllerStack } from '../support/controller-stack';
import { round } from '../support/proc-stats';
import { NovaRequestClock } from './nova-watch';

const INSTANCES_PER_HOST = 20;
/** Spare hosts the scheduler can place instances on (64 vCPU each, 32 default flavors). */
const SPARE_HOSTS = 20;
const POLL_MS = 20;
/** No new evacuation and no notification status change for this long: the engine is stuck (or off). */
const STALL_MS = 20_000;
/** A scenario that has not confirmed every instance by then is reported as incomplete. */
const SCENARIO_TIMEOUT_MS = 150_000;

/** Production defaults except the confirmation poll (3000 ms default), which would dominate every figure. */
const RECOVERY_CONFIG = { pollIntervalMs: 250 };

interface Scenario {
  failedHosts: number;
  novaLatencyMs: number;
}

const SCENARIOS: Scenario[] = [
  { failedHosts: 1, novaLatencyMs: 0 },
  { failedHosts: 1, novaLatencyMs: 200 },
  { failedHosts: 20, novaLatencyMs: 0 },
  { failedHosts: 20, novaLatencyMs: 200 },
];

interface ScenarioFigures extends Scenario {
  instances: number;
  /** From the first notification POST to the last evacuate Nova accepted (2xx). */
  allEvacuatesIssuedMs: number | null;
  /** To every instance ACTIVE, no task, on a host other than its failed one, as Nova's model says. */
  allActiveElsewhereMs: number | null;
  /** To every notification `finished` (the controller confirmed every move). */
  allNotificationsFinishedMs: number | null;
  firstEvacuateMs: number | null;
  evacuatesAccepted: number;
  evacuateCalls: number;
  notificationStatuses: Record<string, number>;
  novaRequests: Record<string, number>;
  complete: boolean;
}

export async function recovery(): Promise<BenchResult> {
  const results: ScenarioFigures[] = [];
  for (const scenario of SCENARIOS) {
    const figures = await runScenario(scenario);
    results.push(figures);
    process.stdout.write(
      `  recovery: ${scenario.failedHosts}×${INSTANCES_PER_HOST} at ${scenario.novaLatencyMs} ms → ` +
        `issued ${ms(figures.allEvacuatesIssuedMs)}, active ${ms(figures.allActiveElsewhereMs)}, finished ${ms(figures.allNotificationsFinishedMs)}\n`,
    );
  }
  const summary = results
    .map(
      (r) =>
        `${r.failedHosts}×${INSTANCES_PER_HOST}@${r.novaLatencyMs}ms: issued ${ms(r.allEvacuatesIssuedMs)}, confirmed ${ms(r.allNotificationsFinishedMs)}`,
    )
    .join('; ');
  return {
    name: 'recovery',
    parameters: {
      instancesPerHost: INSTANCES_PER_HOST,
      spareHosts: SPARE_HOSTS,
      scenarios: SCENARIOS,
      controller:
        'child process: node dist/apps/controller/main.js, auth noauth, Keystone + Nova fakes of @vigil/testing, fencing driver fake',
      recoveryConfig: {
        ...RECOVERY_CONFIG,
        otherKeys:
          'defaults (adaptive pacing within globalConcurrency 64, segmentConcurrency 48, incidentConcurrency 32; novaRateMax 20/s)',
      },
      segment: 'one segment, recovery_method auto, failed and spare hosts together',
      trigger:
        'POST /v1/notifications COMPUTE_HOST {event: STOPPED, host_status: NORMAL}, all failed hosts at once; nova-compute of failed hosts stops reporting',
      novaFake:
        'rebuildDurationMs 0, hostSwitchDelayMs 0; novaLatencyMs = http.faults.latencyMs added to every Nova request',
      evacuateTimeMeans: 'when the Nova fake handled the call (after its injected latency)',
    },
    figures: { scenarios: results },
    summary,
  };
}

async function runScenario(scenario: Scenario): Promise<ScenarioFigures> {
  const openstack = await startOpenStack({ nova: { rebuildDurationMs: 0, hostSwitchDelayMs: 0 } });
  const clock = new NovaRequestClock(openstack.nova);
  const { keystoneConfig: k } = openstack;
  let complete = false;
  const stack = new ControllerStack({
    config: {
      keystone: {
        authUrl: k.authUrl,
        username: k.username,
        password: k.password,
        projectName: k.projectName,
      },
      nova: { retryBaseDelayMs: 100 },
      recovery: RECOVERY_CONFIG,
    },
  });
  try {
    const failed = Array.from({ length: scenario.failedHosts }, (_, i) => `bench-failed-${i}`);
    const spare = Array.from({ length: SPARE_HOSTS }, (_, i) => `bench-spare-${i}`);
    const instances = seedNova(openstack, failed, spare);
    await stack.start();
    await requireRecoveryEngine(stack);
    const api = new BenchApi(stack.url);
    const segment = await api.createSegment('bench-rack', 'auto');
    await forEachLimited([...failed, ...spare], 8, async (name) => {
      const uuid = await api.addHost(segment, name);
      await api.setFakeFencing(uuid);
    });

    for (const host of failed) openstack.nova.model.setAlive(host, false);
    openstack.nova.http.faults.latencyMs = scenario.novaLatencyMs;
    const startedMs = Date.now();
    const notifications: string[] = [];
    await Promise.all(
      failed.map(async (host) => {
        notifications.push(await api.notifyHostDown(host));
      }),
    );

    let allActiveAt: number | undefined;
    let allFinishedAt: number | undefined;
    let statuses: Record<string, number> = {};
    const deadline = startedMs + SCENARIO_TIMEOUT_MS;
    let progress = '';
    let progressAt = Date.now();
    while (Date.now() < deadline && (allActiveAt === undefined || allFinishedAt === undefined)) {
      const now = `${clock.evacuateCalls()}|${movedCount(openstack, instances)}|${JSON.stringify(statuses)}`;
      if (now !== progress) [progress, progressAt] = [now, Date.now()];
      if (Date.now() - progressAt > STALL_MS) break;
      if (allActiveAt === undefined && allMovedAndActive(openstack, instances)) allActiveAt = Date.now();
      if (allFinishedAt === undefined) {
        statuses = await notificationStatuses(api, notifications);
        if (statuses.finished === notifications.length) allFinishedAt = Date.now();
        if ((statuses.error ?? 0) + (statuses.failed ?? 0) > 0 && allActiveAt !== undefined) break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    complete = allActiveAt !== undefined && allFinishedAt !== undefined;
    const evacuations = clock.acceptedEvacuations();
    const since = (at: number | undefined): number | null => (at === undefined ? null : at - startedMs);
    return {
      ...scenario,
      instances: instances.size,
      allEvacuatesIssuedMs:
        evacuations.length >= instances.size ? since(evacuations[instances.size - 1]) : null,
      allActiveElsewhereMs: since(allActiveAt),
      allNotificationsFinishedMs: since(allFinishedAt),
      firstEvacuateMs: since(evacuations[0]),
      evacuatesAccepted: evacuations.length,
      evacuateCalls: clock.evacuateCalls(),
      notificationStatuses: statuses,
      novaRequests: clock.countByRoute(),
      complete,
    };
  } finally {
    // An incomplete scenario keeps its work dir (controller.log) for a look.
    await stack.stop(!complete);
    await openstack.stop();
  }
}

/**
 * The controller boots with recovery off (and says so) while its ports are not wired in app.module.ts;
 * measuring then would only time a stall, so the benchmark stops and says why.
 */
async function requireRecoveryEngine(stack: ControllerStack): Promise<void> {
  // pino writes asynchronously: give the boot lines a moment to reach the log file.
  await new Promise((r) => setTimeout(r, 500));
  if (readFileSync(stack.logFile, 'utf8').includes('recovery engine disabled'))
    throw new VigilError(
      ErrorCode.UNAVAILABLE,
      `the controller's recovery engine is disabled (ports not wired in app.module.ts); see ${stack.logFile}`,
    );
}

/** Failed hosts with `INSTANCES_PER_HOST` active instances each, and empty spare hosts. Returns instance → failed host. */
function seedNova(openstack: OpenStackFixture, failed: string[], spare: string[]): Map<string, string> {
  const model = openstack.nova.model;
  const instances = new Map<string, string>();
  for (const host of [...failed, ...spare]) model.addHost({ host });
  for (const host of failed)
    for (let i = 0; i < INSTANCES_PER_HOST; i++) {
      const server = model.addServer({ host, name: `${host}-vm-${i}` });
      instances.set(server.id, host);
    }
  return instances;
}

/** Instances ACTIVE with no task on a host other than the one that failed, as Nova's model says. */
function movedCount(openstack: OpenStackFixture, instances: Map<string, string>): number {
  let moved = 0;
  for (const [id, failedHost] of instances) {
    const server = openstack.nova.model.server(id);
    if (server && server.host !== failedHost && server.vmState === 'active' && server.taskState === null)
      moved += 1;
  }
  return moved;
}

function allMovedAndActive(openstack: OpenStackFixture, instances: Map<string, string>): boolean {
  return movedCount(openstack, instances) === instances.size;
}

async function notificationStatuses(api: BenchApi, uuids: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await forEachLimited(uuids, 5, async (uuid) => {
    const status = await api.notificationStatus(uuid).catch(() => 'unreadable');
    counts[status] = (counts[status] ?? 0) + 1;
  });
  return counts;
}

function ms(value: number | null): string {
  return value === null ? 'n/a' : `${round(value / 1000, 2)} s`;
}
