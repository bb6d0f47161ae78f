import { type BenchResult, median, percentile } from '../report';
import { round } from '../support/proc-stats';
import { type FailureRunFigures, runFailure } from './failure-run';
import { SimStack } from './sim-stack';

const VICTIM = 'cmp-0001';
const INSTANCES = 20;
/** Runs per Nova rebuild time; each run is a fresh cloud, Redis and controller. */
const RUNS: Record<number, number> = { 0: 5, 5_000: 3 };
const RUN_TIMEOUT_MS = 120_000;
/** One segment of 8 hosts in 2 racks: one lost host is a lone suspect, which never trips the storm guard. */
const SCENARIO = { hosts: 8, hostsPerRack: 4, segments: 1 };

const STAGES = [
  'failedMs',
  'fencedMs',
  'isolatedMs',
  'allEvacuatesIssuedMs',
  'allActiveElsewhereMs',
] as const;
type Stage = (typeof STAGES)[number];

export async function mttr(): Promise<BenchResult> {
  const byRebuild: Record<string, unknown>[] = [];
  const summaryParts: string[] = [];
  for (const [rebuildKey, runs] of Object.entries(RUNS)) {
    const rebuildMs = Number(rebuildKey);
    const results: FailureRunFigures[] = [];
    for (let run = 0; run < runs; run++) {
      const stack = await SimStack.start({
        scenario: { ...SCENARIO, seed: run + 1, timing: { rebuildMs } },
        loadedHosts: [VICTIM],
        instancesPerHost: INSTANCES,
      });
      let complete = false;
      try {
        const figures = await runFailure(stack, { victims: [VICTIM], timeoutMs: RUN_TIMEOUT_MS });
        complete = figures.complete;
        results.push(figures);
        process.stdout.write(`  mttr: rebuild ${rebuildMs} ms run ${run + 1}: ${line(figures)}\n`);
      } finally {
        await stack.stop(!complete);
      }
    }
    const stats = Object.fromEntries(STAGES.map((s) => [s, spread(results, s)]));
    byRebuild.push({ rebuildMs, runs: results.length, stages: stats, perRun: results });
    const med = (s: Stage): string => seconds(stats[s]?.median ?? null);
    summaryParts.push(
      `rebuild ${rebuildMs / 1000} s (median of ${results.length}): failed ${med('failedMs')}, fenced ${med('fencedMs')}, ` +
        `isolated ${med('isolatedMs')}, evacuates issued ${med('allEvacuatesIssuedMs')}, all ACTIVE ${med('allActiveElsewhereMs')}`,
    );
  }
  return {
    name: 'mttr',
    parameters: {
      failure: `power loss (cloud-sim power-off) of ${VICTIM} carrying ${INSTANCES} active instances`,
      cloud: `${SCENARIO.hosts} hosts, ${SCENARIO.hostsPerRack} per rack, ${SCENARIO.segments} segment (recovery_method auto), every host a Redfish BMC of cloud-sim; other hosts empty`,
      controller:
        'child process: node dist/apps/controller/main.js, real redis-server, auth noauth, Keystone/Nova of cloud-sim; detection, fencing and recovery config all defaults (heartbeatTimeoutMs 3000, suspectHoldMs 1000, sweepIntervalMs 500, recovery.pollIntervalMs 3000)',
      monitors: 'one simulated host monitor per host (libs/heartbeat), 1 Hz',
      runs: RUNS,
      reference:
        "every time is from the victim's last heartbeat the controller answered (sampled every 10 ms in the benchmark)",
      stages: {
        failedMs: 'detection timeline entry → failed (controller time)',
        fencedMs: 'last FenceHostTask progress entry (power off, read back Off through the BMC)',
        isolatedMs: 'last IsolateHostTask progress entry (force-down, disable + maintenance)',
        allEvacuatesIssuedMs: 'the 20th evacuate the Nova fake accepted (stamped when handled)',
        allActiveElsewhereMs:
          "every instance ACTIVE, no task, on another host (Nova fake's model, polled every 20 ms)",
      },
    },
    figures: { byRebuild },
    summary: summaryParts.join('; '),
  };
}

function spread(
  results: readonly FailureRunFigures[],
  stage: Stage,
): { median: number | null; p95: number | null; min: number | null; max: number | null; missing: number } {
  const values = results.map((r) => r[stage]).filter((v): v is number => v !== null);
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (v: number): number | null => (values.length === 0 ? null : round(v, 0));
  return {
    median: pick(median(values)),
    p95: pick(percentile(sorted, 95)),
    min: pick(sorted[0] ?? NaN),
    max: pick(sorted[sorted.length - 1] ?? NaN),
    missing: results.length - values.length,
  };
}

function line(f: FailureRunFigures): string {
  return STAGES.map((s) => `${s.replace(/Ms$/, '')} ${seconds(f[s])}`).join(', ');
}

export function seconds(ms: number | null): string {
  return ms === null ? 'n/a' : `${round(ms / 1000, 2)} s`;
}
