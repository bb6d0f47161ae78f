import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { type BenchOptions, type BenchResult, percentile } from '../report';
import { BenchApi, forEachLimited } from '../support/api-client';
import { ControllerStack } from '../support/controller-stack';
import { CpuMeter, memoryMiB, round } from '../support/proc-stats';
import { measureDetection } from './detection-probe';
import { LoadFleet } from './load-fleet';
import { type LoadWindow } from './load-protocol';

const SEGMENTS = 50;
const HOSTS_PER_SEGMENT = 100;
const TARGET_HOSTS = SEGMENTS * HOSTS_PER_SEGMENT;
/** Warm-up ramp (hosts at 1 Hz) before the measured run, each step `RAMP_STEP_MS` long. */
const RAMP_HOSTS = [1000, 2000, 3000, 4000];
const RAMP_STEP_MS = 10_000;
const RUN_MS = 60_000;
const HEARTBEAT_TIMEOUT_MS = 3000;
/** A step is sustained when this share of the offered heartbeats was accepted and p99 stayed under the bound. */
const SUSTAINED_SHARE = 0.98;
const SUSTAINED_P99_MS = 1000;

const LOAD = { workers: 2, maxSocketsPerWorker: 32, maxInFlightPerWorker: 2000 };

interface StepFigures {
  hosts: number;
  offeredPerS: number;
  acceptedPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errorsByStatus: Record<string, number>;
  skippedByGenerator: number;
  controllerCores: number;
  redisCores: number | null;
  generatorCores: number;
  sustained: boolean;
}

export async function heartbeatIngest(options: BenchOptions): Promise<BenchResult> {
  const loadAtStart = loadavg().map((l) => round(l, 2));
  const masterKey = randomBytes(32).toString('hex');
  const stack = new ControllerStack({
    config: {
      intake: { heartbeatMasterKey: masterKey },
      detection: { heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS },
    },
    cpuProfile: options.cpuProfile,
  });
  await stack.start();
  const api = new BenchApi(stack.url);
  let fleet: LoadFleet | undefined;
  try {
    const hosts: string[] = [];
    const registerStarted = performance.now();
    for (let s = 0; s < SEGMENTS; s++) {
      const segment = await api.createSegment(`bench-seg-${s}`);
      const names = Array.from({ length: HOSTS_PER_SEGMENT }, (_, i) => hostName(s * HOSTS_PER_SEGMENT + i));
      await forEachLimited(names, 8, async (name) => {
        await api.addHost(segment, name);
      });
      hosts.push(...names);
    }
    const registerMs = performance.now() - registerStarted;

    fleet = new LoadFleet({ baseUrl: stack.url, masterKey, hosts, ...LOAD });
    await fleet.start();
    // Detection first, at a load far below capacity: an overloaded intake makes every host late, and the
    // storm guard then (rightly) holds all suspects, which would hide the latency being measured.
    const detectionHosts = RAMP_HOSTS[0] ?? 1000;
    fleet.setActiveHosts(detectionHosts);
    await sleep(HEARTBEAT_TIMEOUT_MS * 2);
    const detection = await measureDetection(api, fleet, hosts[0] ?? hostName(0), {
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      failedWaitMs: 10_000,
    });

    const steps: StepFigures[] = [];
    for (const count of RAMP_HOSTS) steps.push(await runStep(stack, fleet, count, RAMP_STEP_MS));
    const full = await runStep(stack, fleet, TARGET_HOSTS, RUN_MS);
    steps.push(full);
    const afterFullLoad = await api.clusterSummary();
    const memory = memoryMiB(stack.pid);
    const maxSustained = Math.max(0, ...steps.filter((s) => s.sustained).map((s) => s.offeredPerS));

    const summary =
      `${full.acceptedPerS}/s accepted of ${full.offeredPerS}/s offered (${TARGET_HOSTS} hosts, ${RUN_MS / 1000} s), ` +
      `p50 ${full.p50Ms} ms, p99 ${full.p99Ms} ms, controller ${full.controllerCores} cores, peak RSS ${memory.peakRssMiB} MiB; ` +
      `silence→suspect ${fmt(detection.suspect.recordedAfterMs)}, ` +
      `masakari evidence→failed ${fmt(detection.failedAfterMasakariEvidence.recordedAfterMs)} (at ${detectionHosts} hosts)`;
    return {
      name: 'heartbeat-ingest',
      parameters: {
        hosts: TARGET_HOSTS,
        segments: SEGMENTS,
        heartbeatHz: 1,
        runMs: RUN_MS,
        rampHosts: RAMP_HOSTS,
        rampStepMs: RAMP_STEP_MS,
        loadGenerator: { processes: LOAD.workers, ...LOAD, keepAlive: true, openLoop: true },
        controller:
          'child process: node dist/apps/controller/main.js, auth noauth, log warn, real redis-server',
        controllerConfig: { 'detection.heartbeatTimeoutMs': HEARTBEAT_TIMEOUT_MS, otherKeys: 'defaults' },
        sustainedMeans: `accepted >= ${SUSTAINED_SHARE * 100}% of offered and p99 < ${SUSTAINED_P99_MS} ms`,
        latencyMeans:
          'client side, from http.request() (including waiting for a keep-alive socket) to the end of the response',
      },
      figures: {
        registrationMs: Math.round(registerMs),
        full,
        maxSustainedPerS: maxSustained,
        ramp: steps,
        controllerMemory: memory,
        clusterAfterFullLoad: afterFullLoad,
        detection: { activeHosts: detectionHosts, ...detection },
        loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((l) => round(l, 2)) },
      },
      summary,
    };
  } finally {
    await fleet?.stop();
    await stack.stop(options.cpuProfile);
    if (options.cpuProfile) process.stdout.write(`  controller CPU profile in ${stack.workDir}\n`);
  }
}

async function runStep(
  stack: ControllerStack,
  fleet: LoadFleet,
  hosts: number,
  durationMs: number,
): Promise<StepFigures> {
  fleet.setActiveHosts(hosts);
  // Figures of the previous step (and the switch itself) are not this step's.
  await sleep(1000);
  await fleet.collect();
  const controller = new CpuMeter(stack.pid);
  const redisPid = stack.redisPid;
  const redis = redisPid === undefined ? undefined : new CpuMeter(redisPid);
  const generators = fleet.pids.map((pid) => new CpuMeter(pid));
  const started = performance.now();
  await sleep(durationMs);
  const window: LoadWindow = await fleet.collect();
  const elapsedS = (performance.now() - started) / 1000;
  const latencies = window.latenciesMs.sort((a, b) => a - b);
  const acceptedPerS = Math.round(window.accepted / elapsedS);
  const p99Ms = round(percentile(latencies, 99), 1);
  const step: StepFigures = {
    hosts,
    offeredPerS: hosts,
    acceptedPerS,
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms,
    maxMs: round(latencies[latencies.length - 1] ?? NaN, 1),
    errorsByStatus: window.errors,
    skippedByGenerator: window.skipped,
    controllerCores: controller.coresUsed(),
    redisCores: redis ? redis.coresUsed() : null,
    generatorCores: round(
      generators.reduce((sum, g) => sum + g.coresUsed(), 0),
      2,
    ),
    sustained: acceptedPerS >= hosts * SUSTAINED_SHARE && p99Ms < SUSTAINED_P99_MS,
  };
  process.stdout.write(
    `  heartbeat-ingest: ${hosts} hosts → ${acceptedPerS}/s accepted, p99 ${p99Ms} ms, controller ${step.controllerCores} cores\n`,
  );
  return step;
}

function hostName(i: number): string {
  return `bench-h-${String(i).padStart(5, '0')}`;
}

function fmt(ms: number | null): string {
  return ms === null ? 'not reached' : `${ms} ms`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
