import { type BenchResult } from '../report';
import { type FailureRunFigures, runFailure } from '../mttr/failure-run';
import { notesOf, readStormGuard } from '../mttr/guard-read';
import { seconds } from '../mttr/mttr.bench';
import { SimStack } from '../mttr/sim-stack';

const INSTANCES_PER_HOST = 20;
/**
 * 200 hosts in 10 racks of 20, dealt round robin to 5 segments of 40 hosts: one rack is half of its
 * segment (over the 33 % segment guard) and 10 % of the cloud (under the 50 % cliff).
 */
const SCENARIO = { hosts: 200, hostsPerRack: 20, segments: 5, timing: { rebuildMs: 0 } };
const RACK = 'rack-01';
/** How long the held case is watched for a fence that must not come, ms from the power loss. */
const HELD_OBSERVE_MS = 20_000;
/** 400 moves at the default limits run at ≈ 1.7/s (segment 6 in flight, confirmed every 3 s). */
const RAISED_TIMEOUT_MS = 260_000;
const RAISED_GUARD = { detection: { stormGuard: { maxFailedPercent: 100 }, cliffPercent: 100 } };

interface CaseFigures extends FailureRunFigures {
  guard: string;
  stormGuard: unknown;
  notes: Record<string, number>;
}

export async function rackFailure(): Promise<BenchResult> {
  const held = await runCase('defaults', undefined, HELD_OBSERVE_MS);
  const raised = await runCase(
    'raised (maxFailedPercent 100, cliffPercent 100)',
    RAISED_GUARD,
    RAISED_TIMEOUT_MS,
  );
  const summary =
    `guard at defaults: ${held.hostsFenced}/${held.victims} hosts fenced, ${guardCount(held.stormGuard)} guard(s) engaged, ${held.evacuateCalls} evacuates; ` +
    `guard raised: failed ${seconds(raised.failedMs)}, fenced ${seconds(raised.fencedMs)}, isolated ${seconds(raised.isolatedMs)}, ` +
    `${raised.instancesMoved}/${raised.instances} moved, evacuates issued ${seconds(raised.allEvacuatesIssuedMs)}, all ACTIVE ${seconds(raised.allActiveElsewhereMs)}, ` +
    `peak ${raised.peakEvacuatesPerSecond} evacuates/s (mean ${raised.meanEvacuatesPerSecond ?? 'n/a'}/s)`;
  return {
    name: 'rack-failure',
    parameters: {
      failure: `power loss of every host of ${RACK} at once (20 hosts × ${INSTANCES_PER_HOST} active instances = 400)`,
      cloud:
        '200 hosts, 10 racks of 20, 5 segments of 40 (2 racks each, recovery_method auto), Redfish BMC per host; hosts outside the rack empty; Nova rebuild 0 s',
      controller:
        'child process, real redis-server, default config (storm guard 33 % per segment over 60 s, cliff 50 % over 10 s; recovery: adaptive pacing within global 64 / segment 48 / incident 32 in flight, evacuate calls ≤ 20/s, pollIntervalMs 1000)',
      cases: { defaults: `observed ${HELD_OBSERVE_MS} ms`, raised: RAISED_GUARD },
      reference:
        'latest last-answered heartbeat of the 20 hosts; each stage = when the last of the 20 reached it',
    },
    figures: { held, raised },
    summary,
  };
}

async function runCase(
  guard: string,
  controllerConfig: Record<string, unknown> | undefined,
  timeoutMs: number,
): Promise<CaseFigures> {
  const stack = await SimStack.start({
    scenario: SCENARIO,
    loadedHosts: rackHosts(),
    instancesPerHost: INSTANCES_PER_HOST,
    controllerConfig,
  });
  const victims = stack.sim.plan.hosts.filter((h) => h.rack === RACK).map((h) => h.name);
  let complete = false;
  try {
    const held = controllerConfig === undefined;
    const figures = await runFailure(stack, { victims, timeoutMs, expectHeld: held });
    complete = figures.complete;
    const result: CaseFigures = {
      guard,
      ...figures,
      stormGuard: await readStormGuard(stack.api),
      notes: await notesOf(stack.api, victims),
    };
    process.stdout.write(
      `  rack-failure (${guard}): fenced ${figures.hostsFenced}/${victims.length}, evacuates ${figures.evacuateCalls}, ` +
        `all ACTIVE ${seconds(figures.allActiveElsewhereMs)}, states ${JSON.stringify(figures.hostStates)}\n`,
    );
    return result;
  } finally {
    await stack.stop(!complete);
  }
}

function rackHosts(): string[] {
  return Array.from({ length: 20 }, (_, i) => `cmp-${String(i + 1).padStart(4, '0')}`);
}

function guardCount(stormGuard: unknown): number {
  if (typeof stormGuard !== 'object' || stormGuard === null || !('guards' in stormGuard)) return 0;
  const { guards } = stormGuard;
  return Array.isArray(guards) ? guards.length : 0;
}
