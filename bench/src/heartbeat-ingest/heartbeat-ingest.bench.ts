import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { type BenchOptions, type BenchResult, percentile } from '../report';
import { BenchApi, forEachLimited } from '../support/api-client';
import { type ControllerReplica, ControllerStack } from '../support/controller-stack';
import { CpuMeter, memoryMiB, round } from '../support/proc-stats';
import { measureDetection } from './detection-probe';
import { LoadFleet } from './load-fleet';
import { type LoadWindow } from './load-protocol';

const SEGMENTS = 100;
const HOSTS_PER_SEGMENT = 100;
const TARGET_HOSTS = SEGMENTS * HOSTS_PER_SEGMENT;
const WARMUP_MS = 5_000;
const RUN_MS = 30_000;
/** Saturation: the same hosts sending faster (heartbeats per host per second), each step this long. */
const SATURATION_HZ = [1.25, 1.5, 1.75, 2, 2.5, 3, 4];
const SATURATION_STEP_MS = 8_000;
const SATURATION_P99_MS = 100;
/** Two replicas: the hosts' heartbeats alternate between them (seq modulo 2). */
const SPREAD_HZ = [1, 2];
const SPREAD_STEP_MS = 10_000;
/** The leader is SIGKILLed this long into a spread run of `TAKEOVER_RUN_MS`. */
const TAKEOVER_KILL_AFTER_MS = 4_000;
const TAKEOVER_RUN_MS = 16_000;
const HEARTBEAT_TIMEOUT_MS = 3000;
/** A step is sustained when this share of the offered heartbeats was accepted and p99 stayed under the bound. */
const SUSTAINED_SHARE = 0.98;
const SUSTAINED_P99_MS = 1000;
/** The issue's targets for one replica at 10,000 hosts at 1 Hz. */
const TARGETS = { acceptedPercent: 99.9, p99Ms: 20, peakRssMiB: 300 / 1.048576 };

const LOAD = { workers: 2, maxSocketsPerWorker: 32, maxInFlightPerWorker: 2000 };

interface StepFigures {
  hosts: number;
  hz: number;
  replicas: number;
  offeredPerS: number;
  acceptedPerS: number;
  acceptedPercent: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errorsByStatus: Record<string, number>;
  /** 409 answers: with a fresh seq per heartbeat, every one is a spurious replay refusal. */
  replayRefusals: number;
  failedOver: number;
  skippedByGenerator: number;
  /** Per controller process, in the order of `replicas`. */
  controllerCores: Array<number | null>;
  /**
   * Controller CPU (all replicas) per accepted heartbeat: what a heartbeat costs, which a loaded
   * machine changes far less than rates and latencies (1000 / this = heartbeats per second per core).
   */
  controllerCpuMsPerHeartbeat: number | null;
  redisCores: number | null;
  generatorCores: number;
  loadAverage1m: number;
  sustained: boolean;
}

/**
 * `--nest-heartbeat-route`: the comparison run, heartbeats through Express and Nest
 * (`intake.leanHeartbeatRoute: false`), one replica at 10,000 hosts only; written as
 * `heartbeat-ingest-nest-route.json`.
 */
const NEST_ROUTE_ARG = '--nest-heartbeat-route';

export async function heartbeatIngest(options: BenchOptions): Promise<BenchResult> {
  const nestRoute = process.argv.includes(NEST_ROUTE_ARG);
  const loadAtStart = loadavg().map((l) => round(l, 2));
  const masterKey = randomBytes(32).toString('hex');
  const stack = new ControllerStack({
    config: {
      intake: { heartbeatMasterKey: masterKey, leanHeartbeatRoute: !nestRoute },
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
    const primary = stack.primary();

    fleet = new LoadFleet({ baseUrls: [stack.url], masterKey, hosts, ...LOAD });
    await fleet.start();
    fleet.setActiveHosts(TARGET_HOSTS);
    await sleep(Math.max(WARMUP_MS, HEARTBEAT_TIMEOUT_MS * 2));
    await fleet.collect();

    // One replica, every host at 1 Hz: the issue's target figures, then detection at that load.
    const full = await runStep(stack, [primary], fleet, TARGET_HOSTS, 1, RUN_MS);
    const memoryAtFullLoad = memoryMiB(stack.pid);
    const afterFullLoad = await api.clusterSummary();
    const detection = await measureDetection(api, fleet, hosts[0] ?? hostName(0), {
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      failedWaitMs: 4_000,
    });

    if (nestRoute)
      return {
        name: 'heartbeat-ingest-nest-route',
        parameters: {
          hosts: TARGET_HOSTS,
          heartbeatHz: 1,
          runMs: RUN_MS,
          'intake.leanHeartbeatRoute': false,
        },
        figures: {
          full,
          controllerMemoryAtFullLoad: memoryAtFullLoad,
          detection,
          loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((l) => round(l, 2)) },
        },
        summary:
          `through Nest: ${full.acceptedPerS}/s of ${full.offeredPerS}/s, p99 ${full.p99Ms} ms, ` +
          `${String(full.controllerCpuMsPerHeartbeat)} ms controller CPU per heartbeat (load avg ${full.loadAverage1m})`,
      };

    // Saturation: the same hosts, faster, until p99 passes SATURATION_P99_MS.
    const saturation: StepFigures[] = [];
    for (const hz of SATURATION_HZ) {
      const step = await runStep(stack, [primary], fleet, TARGET_HOSTS, hz, SATURATION_STEP_MS);
      saturation.push(step);
      if (step.p99Ms > SATURATION_P99_MS || step.acceptedPerS < step.offeredPerS * SUSTAINED_SHARE) break;
    }
    const beyond = saturation.find((s) => s.p99Ms > SATURATION_P99_MS);
    const lastUnder = [full, ...saturation].filter((s) => s.p99Ms <= SATURATION_P99_MS).pop();
    fleet.setActiveHosts(TARGET_HOSTS, 1);
    await sleep(2000);

    // Two replicas on the same Redis; each host's heartbeats alternate between them.
    const second = await stack.addReplica();
    const replicas = [primary, second];
    fleet.setTargets(replicas.map((r) => r.url));
    const spread: StepFigures[] = [];
    for (const hz of SPREAD_HZ)
      spread.push(await runStep(stack, replicas, fleet, TARGET_HOSTS, hz, SPREAD_STEP_MS));
    fleet.setActiveHosts(TARGET_HOSTS, 1);
    const takeover = await leaderTakeover(replicas, fleet, hosts[0] ?? '');
    const memoryAtEnd = memoryMiB(second.pid);

    const acceptedPercent = full.acceptedPercent;
    const met = {
      acceptedPercent: acceptedPercent >= TARGETS.acceptedPercent,
      p99Ms: full.p99Ms <= TARGETS.p99Ms,
      peakRss: memoryAtFullLoad.peakRssMiB <= TARGETS.peakRssMiB,
      detection:
        detection.suspect.recordedAfterMs !== null &&
        detection.suspect.recordedAfterMs <= HEARTBEAT_TIMEOUT_MS + 500,
    };
    const summary =
      `1 replica, ${TARGET_HOSTS} hosts at 1 Hz (${RUN_MS / 1000} s): ${full.acceptedPercent}% accepted, ` +
      `p50 ${full.p50Ms} ms, p99 ${full.p99Ms} ms, controller ${full.controllerCores[0]} cores, ` +
      `peak RSS ${memoryAtFullLoad.peakRssMiB} MiB; silence→suspect ${fmt(detection.suspect.recordedAfterMs)}; ` +
      `p99 > ${SATURATION_P99_MS} ms at ${beyond ? `${beyond.offeredPerS}/s` : `more than ${saturation.at(-1)?.offeredPerS ?? full.offeredPerS}/s`}; ` +
      `2 replicas spread: ${spread.map((s) => `${s.acceptedPerS}/s of ${s.offeredPerS}/s, p99 ${s.p99Ms} ms, ${s.replayRefusals} replay refusals`).join('; ')}; ` +
      `leader killed: ${String(takeover.hostsSuspectedDuringTakeover)} hosts suspect (load avg ${full.loadAverage1m})`;
    return {
      name: 'heartbeat-ingest',
      parameters: {
        hosts: TARGET_HOSTS,
        segments: SEGMENTS,
        heartbeatHz: 1,
        runMs: RUN_MS,
        saturationHz: SATURATION_HZ,
        saturationStepMs: SATURATION_STEP_MS,
        saturationMeans: `the offered rate at which p99 first exceeds ${SATURATION_P99_MS} ms`,
        spreadHz: SPREAD_HZ,
        spreadStepMs: SPREAD_STEP_MS,
        takeover: { killAfterMs: TAKEOVER_KILL_AFTER_MS, runMs: TAKEOVER_RUN_MS },
        loadGenerator: {
          processes: LOAD.workers,
          ...LOAD,
          keepAlive: true,
          openLoop: true,
          spreading: 'seq modulo replicas; a refused connection is re-sent once to the next replica',
        },
        controller:
          'child processes: node dist/apps/controller/main.js, auth noauth, log warn, one real redis-server',
        controllerConfig: { 'detection.heartbeatTimeoutMs': HEARTBEAT_TIMEOUT_MS, otherKeys: 'defaults' },
        sustainedMeans: `accepted >= ${SUSTAINED_SHARE * 100}% of offered and p99 < ${SUSTAINED_P99_MS} ms`,
        latencyMeans:
          'client side, from http.request() (including waiting for a keep-alive socket) to the end of the response',
        targets: { ...TARGETS, peakRssMiB: round(TARGETS.peakRssMiB, 1), note: '300 MB = 286.1 MiB' },
      },
      figures: {
        registrationMs: Math.round(registerMs),
        full,
        targetsMet: met,
        controllerMemoryAtFullLoad: memoryAtFullLoad,
        clusterAfterFullLoad: afterFullLoad,
        detection: { activeHosts: TARGET_HOSTS, ...detection },
        saturation: {
          p99PassesMsAtPerS: beyond?.offeredPerS ?? null,
          lastUnderPerS: lastUnder?.offeredPerS ?? null,
          steps: saturation,
        },
        twoReplicas: { spread, takeover, secondReplicaMemory: memoryAtEnd },
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

/**
 * Spread heartbeats over both replicas, SIGKILL the leader a few seconds in; the monitors fail over to
 * the survivor, which takes the lease. Counts the hosts that went suspect meanwhile (every host keeps
 * heartbeating, so any such host is the takeover's fault), besides the one silenced for detection.
 */
async function leaderTakeover(
  replicas: ControllerReplica[],
  fleet: LoadFleet,
  silencedHost: string,
): Promise<Record<string, unknown>> {
  const roles = await Promise.all(replicas.map((r) => new BenchApi(r.url).leadership()));
  const leaderIndex = roles.findIndex((r) => r.isLeader);
  const leader = replicas[leaderIndex];
  const survivor = replicas.find((_, i) => i !== leaderIndex);
  if (!leader || !survivor)
    return { skipped: `no single leader among the replicas (${JSON.stringify(roles)})` };
  const survivorApi = new BenchApi(survivor.url);
  const started = performance.now();
  await fleet.collect();
  await sleep(TAKEOVER_KILL_AFTER_MS);
  const killedAt = Date.now();
  await leader.kill();
  const suspected = new Set<string>();
  let newLeaderAfterMs: number | null = null;
  while (performance.now() - started < TAKEOVER_RUN_MS) {
    await sleep(500);
    const view = await survivorApi.leadership().catch(() => undefined);
    if (newLeaderAfterMs === null && view?.isLeader) newLeaderAfterMs = Date.now() - killedAt;
    const cluster = await survivorApi.clusterHosts().catch(() => undefined);
    for (const [state, names] of Object.entries(cluster ?? {}))
      if (state !== 'up') for (const n of names) if (n !== silencedHost) suspected.add(n);
  }
  const window: LoadWindow = await fleet.collect();
  const latencies = window.latenciesMs.sort((a, b) => a - b);
  return {
    killedReplica: leaderIndex === 0 ? 'primary' : 'second',
    newLeaderAfterMs,
    hostsSuspectedDuringTakeover: suspected.size,
    suspectedHosts: [...suspected].slice(0, 20),
    accepted: window.accepted,
    sent: window.sent,
    failedOver: window.failedOver,
    errorsByStatus: window.errors,
    p99Ms: round(percentile(latencies, 99), 1),
    maxMs: round(latencies[latencies.length - 1] ?? NaN, 1),
  };
}

async function runStep(
  stack: ControllerStack,
  replicas: ControllerReplica[],
  fleet: LoadFleet,
  hosts: number,
  hz: number,
  durationMs: number,
): Promise<StepFigures> {
  fleet.setActiveHosts(hosts, hz);
  // Figures of the previous step (and the switch itself) are not this step's.
  await sleep(1000);
  await fleet.collect();
  const controllers = replicas.map((r) => new CpuMeter(r.pid));
  const redisPid = stack.redisPid;
  const redis = redisPid === undefined ? undefined : new CpuMeter(redisPid);
  const generators = fleet.pids.map((pid) => new CpuMeter(pid));
  const started = performance.now();
  await sleep(durationMs);
  const window: LoadWindow = await fleet.collect();
  const elapsedS = (performance.now() - started) / 1000;
  const latencies = window.latenciesMs.sort((a, b) => a - b);
  const offeredPerS = Math.round(hosts * hz);
  const acceptedPerS = Math.round(window.accepted / elapsedS);
  const p99Ms = round(percentile(latencies, 99), 1);
  const controllerCores = controllers.map((c) => cores(c));
  const step: StepFigures = {
    hosts,
    hz,
    replicas: replicas.length,
    offeredPerS,
    acceptedPerS,
    acceptedPercent: round((100 * window.accepted) / Math.max(1, offeredPerS * elapsedS), 3),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms,
    maxMs: round(latencies[latencies.length - 1] ?? NaN, 1),
    errorsByStatus: window.errors,
    replayRefusals: window.errors['409'] ?? 0,
    failedOver: window.failedOver,
    skippedByGenerator: window.skipped,
    controllerCores,
    controllerCpuMsPerHeartbeat:
      window.accepted > 0
        ? round(
            (controllerCores.reduce<number>((sum, c) => sum + (c ?? 0), 0) * elapsedS * 1000) /
              window.accepted,
            3,
          )
        : null,
    redisCores: redis ? cores(redis) : null,
    generatorCores: round(
      generators.reduce((sum, g) => sum + (cores(g) ?? 0), 0),
      2,
    ),
    loadAverage1m: round(loadavg()[0] ?? NaN, 2),
    sustained: acceptedPerS >= offeredPerS * SUSTAINED_SHARE && p99Ms < SUSTAINED_P99_MS,
  };
  process.stdout.write(
    `  heartbeat-ingest: ${replicas.length} replica(s), ${offeredPerS}/s offered → ${acceptedPerS}/s accepted ` +
      `(${step.acceptedPercent}%), p50 ${step.p50Ms} ms, p99 ${p99Ms} ms, controller ${step.controllerCores.join('+')} cores ` +
      `(${String(step.controllerCpuMsPerHeartbeat)} ms CPU per heartbeat), ` +
      `load ${step.loadAverage1m}\n`,
  );
  return step;
}

/** Cores a process used, or null once it is gone (a killed replica). */
function cores(meter: CpuMeter): number | null {
  try {
    return meter.coresUsed();
  } catch {
    return null;
  }
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
