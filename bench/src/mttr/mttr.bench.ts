import { type BenchResult, median, percentile } from '../report';
import { round } from '../support/proc-stats';
import { type FailureRunFigures, runFailure } from './failure-run';
import { SimStack } from './sim-stack';

const VICTIM = 'cmp-0001';
const INSTANCES = 8;
/** Each run is a fresh cloud, Redis and controller. */
const RUNS = 5;
const FAULTS = ['kernel-hang', 'power-off'] as const;
const RUN_TIMEOUT_MS = 120_000;
/**
 * One segment of 8 hosts in 2 racks (each monitor witnesses its 3 rack neighbours): one lost host is
 * a lone suspect, which never trips the storm guard. Nova at its defaults: report_interval 10 s,
 * service_down_time 60 s, so Nova's `state` cannot be what detects the failure.
 */
const SCENARIO = { hosts: 8, hostsPerRack: 4, segments: 1 };

const STAGES = [
  'failedMs',
  'fencedMs',
  'isolatedMs',
  'allEvacuatesIssuedMs',
  'allActiveElsewhereMs',
  'failureToAllActiveMs',
] as const;
type Stage = (typeof STAGES)[number];

export async function mttr(): Promise<BenchResult> {
  const byFault: Record<string, unknown>[] = [];
  const summaryParts: string[] = [];
  for (const fault of FAULTS) {
    const results: FailureRunFigures[] = [];
    for (let run = 0; run < RUNS; run++) {
      const stack = await SimStack.start({
        scenario: { ...SCENARIO, seed: run + 1 },
        loadedHosts: [VICTIM],
        instancesPerHost: INSTANCES,
      });
      let complete = false;
      try {
        const figures = await runFailure(stack, { victims: [VICTIM], timeoutMs: RUN_TIMEOUT_MS, fault });
        complete = figures.complete;
        results.push(figures);
        process.stdout.write(`  mttr: ${fault} run ${run + 1}: ${line(figures)}\n`);
      } finally {
        await stack.stop(!complete);
      }
    }
    const stats = Object.fromEntries(STAGES.map((s) => [s, spread(results, s)]));
    byFault.push({ fault, runs: results.length, stages: stats, perRun: results });
    const fig = (s: Stage): string =>
      `${seconds(stats[s]?.median ?? null)} (worst ${seconds(stats[s]?.max ?? null)})`;
    summaryParts.push(
      `${fault} (median of ${results.length}): last heartbeat → failed ${fig('failedMs')}, ` +
        `failure → all ${INSTANCES} ACTIVE elsewhere ${fig('failureToAllActiveMs')}`,
    );
  }
  return {
    name: 'mttr',
    parameters: {
      failures: {
        'kernel-hang': `cloud-sim kernel-hang of ${VICTIM}: monitor and nova-compute stop, BMC stays On`,
        'power-off': `cloud-sim power-off of ${VICTIM}: BMC reads Off`,
      },
      instances: `${INSTANCES} active instances on ${VICTIM}`,
      nova: "cloud-sim defaults = Nova's: report_interval 10 s, service_down_time 60 s, rebuild 1.5 s",
      cloud: `${SCENARIO.hosts} hosts, ${SCENARIO.hostsPerRack} per rack, ${SCENARIO.segments} segment (recovery_method auto), every host a Redfish BMC of cloud-sim; other hosts empty`,
      controller:
        'child process: node dist/apps/controller/main.js, real redis-server, auth noauth, Keystone/Nova of cloud-sim; detection, fencing and recovery config all defaults (heartbeatTimeoutMs 3000, suspectHoldMs 1000, sweepIntervalMs 500)',
      monitors:
        'one simulated host monitor per host (libs/heartbeat), 1 Hz, probing its rack neighbours like the real agent (2 s rounds, 1 s timeout, immediate re-probe)',
      runs: RUNS,
      machine: 'shared 2-core machine, loaded by other helpers and a real OpenStack while measuring',
      reference:
        "every time is from the victim's last heartbeat the controller answered (sampled every 10 ms), except failureToAllActiveMs (from the injected failure)",
      stages: {
        failedMs: 'detection timeline entry → failed (controller time)',
        fencedMs: 'last FenceHostTask progress entry (power off, read back Off through the BMC)',
        isolatedMs: 'last IsolateHostTask progress entry (force-down, disable + maintenance)',
        allEvacuatesIssuedMs: 'the last evacuate the Nova fake accepted (stamped when handled)',
        allActiveElsewhereMs:
          "every instance ACTIVE, no task, on another host (Nova fake's model, polled every 20 ms)",
        failureToAllActiveMs: 'the same, measured from the injected failure',
      },
    },
    figures: { byFault },
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
