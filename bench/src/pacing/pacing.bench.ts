import { loadavg } from 'node:os';
import { type BenchResult } from '../report';
import { type FailureRunFigures, runFailure } from '../mttr/failure-run';
import { seconds } from '../mttr/mttr.bench';
import { SimStack } from '../mttr/sim-stack';
import { SlotWatch } from './slot-watch';

/** The controller's default bounds (recovery.globalConcurrency / segmentConcurrency / incidentConcurrency). */
const BOUNDS = { global: 64, segment: 48, incident: 32 };
const RAISED_GUARD = { detection: { stormGuard: { maxFailedPercent: 100 }, cliffPercent: 100 } };
const SINGLE = { hosts: 8, hostsPerRack: 4, segments: 1 };
/** rack-failure's cloud: 200 hosts, 10 racks of 20, 5 segments of 40; rack-01 is the victim. */
const RACK = { hosts: 200, hostsPerRack: 20, segments: 5, timing: { rebuildMs: 0 } };
const RUN_TIMEOUT_MS = 180_000;

interface CaseFigures extends FailureRunFigures {
  name: string;
  novaLatencyMs: number;
  nova5xxRate: number;
  /** From the confirmed failure verdict of the last victim to every instance ACTIVE elsewhere. */
  failedToAllActiveMs: number | null;
  maxInFlight: { global: number; segment: number; incident: number };
  withinBounds: boolean;
  /** Instances Nova was asked to evacuate more than once (model-level requests; injected 5xx never reach it). */
  duplicates: number;
  /** Instances not ACTIVE on another host at the end. */
  lost: number;
  nova5xxAnswered: number;
  pacingDecisions: { up: number; down: number };
  finalLimits: unknown;
  loadAverage: number[];
}

interface CaseSpec {
  name: string;
  scenario: typeof SINGLE | typeof RACK;
  victims: string[];
  instancesPerHost: number;
  novaLatencyMs: number;
  nova5xxRate: number;
  raiseGuard: boolean;
}

const hostName = (i: number): string => `cmp-${String(i).padStart(4, '0')}`;

export async function pacing(): Promise<BenchResult> {
  const rackVictims = Array.from({ length: 20 }, (_, i) => hostName(i + 1));
  const specs: CaseSpec[] = [
    {
      name: '1 host × 20, rebuild 1.5 s',
      scenario: SINGLE,
      victims: [hostName(1)],
      instancesPerHost: 20,
      novaLatencyMs: 0,
      nova5xxRate: 0,
      raiseGuard: false,
    },
    ...[
      { latency: 0, rate: 0 },
      { latency: 200, rate: 0 },
      { latency: 0, rate: 0.1 },
    ].map(({ latency, rate }): CaseSpec => ({
      name: `rack 20 × 20, Nova ${latency} ms${rate > 0 ? `, ${rate * 100} % 5xx` : ''}`,
      scenario: RACK,
      victims: rackVictims,
      instancesPerHost: 20,
      novaLatencyMs: latency,
      nova5xxRate: rate,
      raiseGuard: true,
    })),
  ];
  const only = process.env.VIGIL_BENCH_PACING_CASE;
  const cases: CaseFigures[] = [];
  for (const [i, spec] of specs.entries()) {
    if (only !== undefined && only !== String(i)) continue;
    cases.push(await runCase(spec));
  }
  const summary = cases
    .map(
      (c) =>
        `${c.name}: failed → all ACTIVE ${seconds(c.failedToAllActiveMs)} (failure → all ACTIVE ${seconds(c.failureToAllActiveMs)}), ` +
        `max in flight ${c.maxInFlight.global}/${c.maxInFlight.segment}/${c.maxInFlight.incident} (bounds ${BOUNDS.global}/${BOUNDS.segment}/${BOUNDS.incident}), ` +
        `${c.duplicates} duplicate(s), ${c.lost} lost, ${c.nova5xxAnswered} Nova 5xx`,
    )
    .join('; ');
  return {
    name: 'pacing',
    parameters: {
      controller:
        'child process, real redis-server, default config (adaptive pacing on, bounds global 64 / segment 48 / incident 32, start 4, evacuate calls ≤ 20/s, polls ≤ 50/s, pollIntervalMs 1000, minPollIntervalMs 100); storm guard raised for the rack (maxFailedPercent 100, cliffPercent 100)',
      single:
        'cloud-sim 8 hosts, 1 segment, Nova rebuild 1.5 s (the sim default); cmp-0001 with 20 instances loses power',
      rack: "rack-failure's cloud: 200 hosts, 10 racks of 20, 5 segments of 40, Nova rebuild 0 s; the 20 hosts of rack-01 (400 instances) lose power at once",
      faults:
        'latency: added to every Nova request (http.faults.latencyMs); 5xx: that share of every Nova request answered 503 before anything happens (http.faults.failRate)',
      inFlight:
        "the controller's concurrency slots in Redis (one sorted set per scope), sampled every 20 ms; max per scope kind",
      reference:
        'failed → all ACTIVE: from the confirmed failure verdict (detection timeline) of the last victim; failure → all ACTIVE: from the power loss',
    },
    figures: { bounds: BOUNDS, cases },
    summary,
  };
}

async function runCase(spec: CaseSpec): Promise<CaseFigures> {
  const stack = await SimStack.start({
    scenario: spec.scenario,
    loadedHosts: spec.victims,
    instancesPerHost: spec.instancesPerHost,
    controllerConfig: spec.raiseGuard ? RAISED_GUARD : undefined,
  });
  const watch = new SlotWatch({ url: stack.redis.url, password: stack.redis.password });
  let complete = false;
  try {
    const faults = stack.sim.openstack.nova.http.faults;
    faults.latencyMs = spec.novaLatencyMs;
    faults.failRate = spec.nova5xxRate;
    faults.failStatus = 503;
    const nova = stack.sim.openstack.nova;
    const [receivedBefore, routedBefore] = [nova.http.received.length, nova.requests.length];
    watch.start();
    const figures = await runFailure(stack, { victims: spec.victims, timeoutMs: RUN_TIMEOUT_MS });
    complete = figures.complete;
    faults.latencyMs = 0;
    faults.failRate = 0;
    const instanceIds = [...stack.instances.keys()];
    const duplicates = instanceIds.filter((id) => nova.evacuateCalls(id) > 1).length;
    const pacingView = (await stack.api.call('GET', '/vigil/v1/recovery/pacing')) as {
      pacing: { scopes: unknown[]; recentDecisions: { decision: { direction: string } }[] };
    };
    const metrics = await fetch(`${stack.api.baseUrl}/metrics`).then((r) => r.text());
    const decisions = (direction: string): number =>
      [
        ...metrics.matchAll(
          new RegExp(
            `^vigil_recovery_pacing_decisions_total\\{[^}]*direction="${direction}"[^}]*\\} (\\d+)`,
            'gm',
          ),
        ),
      ]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    const result: CaseFigures = {
      name: spec.name,
      novaLatencyMs: spec.novaLatencyMs,
      nova5xxRate: spec.nova5xxRate,
      ...figures,
      failedToAllActiveMs:
        figures.allActiveElsewhereMs !== null && figures.failedMs !== null
          ? figures.allActiveElsewhereMs - figures.failedMs
          : null,
      maxInFlight: { ...watch.maxInFlight },
      withinBounds:
        watch.maxInFlight.global <= BOUNDS.global &&
        watch.maxInFlight.segment <= BOUNDS.segment &&
        watch.maxInFlight.incident <= BOUNDS.incident,
      duplicates,
      lost: figures.instances - figures.instancesMoved,
      nova5xxAnswered: countInjected(
        nova.requests.length - routedBefore,
        nova.http.received.length - receivedBefore,
      ),
      pacingDecisions: { up: decisions('up'), down: decisions('down') },
      finalLimits: pacingView.pacing.scopes,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    };
    process.stdout.write(
      `  pacing (${spec.name}): failed ${seconds(figures.failedMs)}, all ACTIVE ${seconds(figures.allActiveElsewhereMs)}, ` +
        `max in flight ${JSON.stringify(watch.maxInFlight)}, duplicates ${duplicates}, lost ${result.lost}\n`,
    );
    return result;
  } finally {
    await watch.stop();
    await stack.stop(!complete);
  }
}

/** Requests the fake's HTTP shell received minus those its router handled: the injected 5xx (no hangs here). */
function countInjected(routed: number, received: number): number {
  return Math.max(0, received - routed);
}
