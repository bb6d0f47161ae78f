import { type ChaosStack } from './chaos-stack';
import { type ControllerReplica } from './controller-replica';
import {
  type Disruption,
  type EventKind,
  isFailure,
  planRound,
  type RoundPlan,
  roundSeedOf,
} from './round-plan';
import { checkSoakInvariants, type FailureEpoch, FINAL_STATUSES, type IncidentView } from './soak-invariants';

/** A round gives up waiting for quiescence after this long (then its incidents must settle in the next). */
const ROUND_TIMEOUT_MS = 60_000;
const INCIDENT_APPEARS_MS = 15_000;
const POLL_MS = 200;
const SLOW_BMC_DELAY_MS = 1_500;
/** Controller-config overrides that keep a soak round short (hung-BMC incidents end in seconds). */
export const SOAK_CONTROLLER_OVERRIDES = {
  /** Rebuilds of 0.6 s still leave room for a disruption to land inside an evacuation. */
  rebuildMs: 600,
  recovery: { fenceTimeoutMs: 3_000, fenceAttempts: 2, fenceBackoffMs: 300, probationMs: 0 },
};

export interface RoundRecord {
  round: number;
  plan: RoundPlan;
  hosts: string[];
  settled: boolean;
  violations: string[];
  wallMs: number;
}

export interface SoakSummary {
  runSeed: number;
  roundsRun: number;
  roundsRequested: number;
  stoppedBy: 'rounds' | 'time';
  wallMs: number;
  events: Record<string, number>;
  disruptions: Record<string, number>;
  /** Failure epochs by final incident status (finished, failed + reason, ...). */
  outcomes: Record<string, number>;
  incidents: number;
  evacuations: number;
  nova5xxAnswered: number;
  novaActedThen500: number;
  roundsNotQuiescent: number;
  violations: string[];
  failingRounds: RoundRecord[];
}

export interface SoakOptions {
  runSeed: number;
  rounds: number;
  /** Stop starting new rounds after this (epoch ms). */
  deadlineMs?: number;
  /** Replay exactly these round seeds instead of deriving them from `runSeed`. */
  roundSeeds?: readonly number[];
  log: (line: string) => void;
  /** Disruptions replaced by `none` (the test suite leaves out those with an open finding). */
  excludeDisruptions?: readonly Disruption[];
  /** Called with every round that found a violation (the bench writes it out as a seed). */
  onFailingRound?: (record: RoundRecord) => void;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The chaos soak: round after round, one event (a host failure of some kind, or a network blip that must
 * not be taken for one) plus a disruption of the controller's world at a random moment of the recovery,
 * then quiescence, then the invariants from the sim's ground truth. Failed hosts are repaired and
 * returned to service (Vigil's reinstate) in later rounds, so a 12-host cloud lasts any number of rounds.
 */
export class ChaosSoak {
  private readonly epochs: FailureEpoch[] = [];
  private readonly events: Record<string, number> = {};
  private readonly disruptions: Record<string, number> = {};
  private readonly violations = new Set<string>();
  private readonly failingRounds: RoundRecord[] = [];
  private nova5xxAnswered = 0;
  private notQuiescent = 0;
  /** Hosts repaired, with whether Vigil accepted their reinstate, until Nova shows them in service. */
  private readonly returning = new Map<string, boolean>();
  private readonly blipped = new Set<string>();
  /** Ground truth before this soak started (an earlier soak on the same stack) is not this soak's. */
  private sinceMs = 0;

  constructor(private readonly stack: ChaosStack) {}

  async run(options: SoakOptions): Promise<SoakSummary> {
    const started = Date.now();
    this.sinceMs = started;
    const seeds = options.roundSeeds ?? [];
    const total = options.roundSeeds ? seeds.length : options.rounds;
    let round = 0;
    let stoppedBy: SoakSummary['stoppedBy'] = 'rounds';
    while (round < total) {
      if (options.deadlineMs !== undefined && Date.now() >= options.deadlineMs) {
        stoppedBy = 'time';
        break;
      }
      round += 1;
      const roundSeed = options.roundSeeds ? (seeds[round - 1] ?? 0) : roundSeedOf(options.runSeed, round);
      const planned = planRound(roundSeed);
      const plan = options.excludeDisruptions?.includes(planned.disruption)
        ? { ...planned, disruption: 'none' as const }
        : planned;
      const record = await this.round(round, plan, options.log);
      if (record.violations.length > 0) {
        this.failingRounds.push(record);
        options.onFailingRound?.(record);
      }
    }
    // The last round's incidents get the same grace as any other: one more quiescence wait, then the check.
    if (!(await this.waitFor(() => this.quiescent(), ROUND_TIMEOUT_MS)))
      options.log(`after round ${round}: not quiescent after ${ROUND_TIMEOUT_MS} ms`);
    const last = await this.check(round + 1);
    for (const v of last) if (!this.violations.has(v)) options.log(`  VIOLATION ${v}`);
    for (const v of last) this.violations.add(v);
    const incidents = (await this.incidents()) ?? [];
    const outcomes: Record<string, number> = {};
    for (const e of this.epochs) {
      const i = this.incidentOf(incidents, e);
      const key = `${e.kind}: ${i ? i.status : 'no incident'}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    const nova = this.stack.sim.openstack.nova;
    return {
      runSeed: options.runSeed,
      roundsRun: round,
      roundsRequested: total,
      stoppedBy,
      wallMs: Date.now() - started,
      events: { ...this.events },
      disruptions: { ...this.disruptions },
      outcomes,
      incidents: incidents.length,
      evacuations: nova.model.migrations({ migrationType: 'evacuation' }).length,
      nova5xxAnswered: this.nova5xxAnswered,
      novaActedThen500: nova.http.actedThenFailed,
      roundsNotQuiescent: this.notQuiescent,
      violations: [...this.violations],
      failingRounds: this.failingRounds,
    };
  }

  private async round(round: number, plan: RoundPlan, log: (line: string) => void): Promise<RoundRecord> {
    const started = Date.now();
    await this.repairFinished(round);
    const eligible = await this.eligibleHosts();
    const hosts = this.pickHosts(plan, eligible);
    const line = `round ${round} (seed ${plan.roundSeed}): ${plan.event} ${hosts.join(',') || '(no eligible host)'} + ${plan.disruption}`;
    log(line);
    this.events[plan.event] = (this.events[plan.event] ?? 0) + 1;
    this.disruptions[plan.disruption] = (this.disruptions[plan.disruption] ?? 0) + 1;
    if (hosts.length > 0) this.inject(round, plan.event, hosts, plan);
    if (isFailure(plan.event) && hosts.length > 0)
      await this.waitFor(async () => {
        const incidents = await this.incidents();
        return hosts.every((h) =>
          incidents?.some((i) => i.host === h && Date.parse(i.createdAt) >= started - 1000),
        );
      }, INCIDENT_APPEARS_MS);
    await pause(plan.disruptionDelayMs);
    const bystander = eligible.find((h) => !hosts.includes(h));
    await this.disrupt(plan, bystander, log);
    const settled = await this.waitFor(() => this.quiescent(), ROUND_TIMEOUT_MS);
    if (!settled) {
      this.notQuiescent += 1;
      log(`  round ${round}: not quiescent after ${ROUND_TIMEOUT_MS} ms`);
    }
    // The ground truth is cumulative: a round is charged only with what it newly broke.
    const violations = (await this.check(round)).filter((v) => !this.violations.has(v));
    for (const v of violations) {
      log(`  VIOLATION ${v}`);
      this.violations.add(v);
    }
    return { round, plan, hosts, settled, violations, wallMs: Date.now() - started };
  }

  private pickHosts(plan: RoundPlan, eligible: string[]): string[] {
    if (eligible.length === 0) return [];
    const first = eligible[plan.hostPick % eligible.length]!;
    if (plan.event !== 'double-power-off') return [first];
    const rackOf = (h: string): string | undefined =>
      this.stack.sim.plan.hosts.find((x) => x.name === h)?.rack;
    const others = eligible.filter((h) => rackOf(h) !== rackOf(first));
    const second = others[plan.secondPick % Math.max(1, others.length)];
    return second === undefined ? [first] : [first, second];
  }

  private inject(round: number, event: EventKind, hosts: string[], plan: RoundPlan): void {
    const { sim } = this.stack;
    if (event === 'blip-controller' || event === 'blip-controller-and-peers') {
      for (const h of hosts) this.blipped.add(h);
      sim.partition({
        hosts,
        scope: event === 'blip-controller' ? 'controller' : 'controller-and-peers',
        durationMs: plan.blipMs,
        label: `soak round ${round}`,
      });
      setTimeout(() => hosts.forEach((h) => this.blipped.delete(h)), plan.blipMs + 3_000).unref();
      return;
    }
    if (event === 'power-off-slow-bmc') sim.setBmcBehaviour(hosts[0]!, 'slow', SLOW_BMC_DELAY_MS);
    if (event === 'power-off-hung-bmc') sim.setBmcBehaviour(hosts[0]!, 'hang');
    if (event === 'kernel-hang-act-then-hang-bmc') sim.setBmcBehaviour(hosts[0]!, 'act-then-hang');
    const fault = event.startsWith('kernel-hang') ? 'kernel-hang' : 'power-off';
    const atMs = Date.now();
    for (const host of hosts) {
      this.epochs.push({ host, kind: event, round, atMs });
      sim.inject(host, { kind: fault });
    }
  }

  private async disrupt(
    plan: RoundPlan,
    bystander: string | undefined,
    log: (line: string) => void,
  ): Promise<void> {
    const { sim, redis } = this.stack;
    const kind: Disruption = plan.disruption;
    switch (kind) {
      case 'none':
        return;
      case 'leader-sigkill':
      case 'leader-change': {
        const leader = await this.leader();
        if (!leader) return log('  no leader to disrupt');
        if (kind === 'leader-sigkill') await leader.kill();
        else await leader.stop();
        await pause(plan.disruptionSpanMs);
        await leader.start();
        return;
      }
      case 'redis-restart':
        await redis.stop();
        await pause(Math.min(plan.disruptionSpanMs, 1_000));
        await redis.start();
        return;
      case 'nova-5xx': {
        const { nova } = sim.openstack;
        const [received, routed] = [nova.http.received.length, nova.requests.length];
        sim.setNovaFaults({ failRate: plan.novaFaultRate, failStatus: 503 });
        await pause(plan.disruptionSpanMs);
        sim.setNovaFaults({ failRate: 0 });
        this.nova5xxAnswered += nova.http.received.length - received - (nova.requests.length - routed);
        return;
      }
      case 'nova-act-then-500':
        // Straight on the fake's knobs: the sim's setNovaFaults predates this fault.
        Object.assign(sim.openstack.nova.http.faults, {
          actThenFailRate: plan.novaFaultRate,
          failStatus: 500,
        });
        await pause(plan.disruptionSpanMs);
        Object.assign(sim.openstack.nova.http.faults, { actThenFailRate: 0, failStatus: 503 });
        return;
      case 'monitor-restart': {
        const monitor = bystander === undefined ? undefined : sim.monitor(bystander);
        const boots = bystander === undefined ? undefined : sim.condition(bystander)?.boots;
        if (!monitor || boots === undefined) return;
        await monitor.stop();
        await pause(Math.min(plan.disruptionSpanMs, 1_000));
        monitor.start(boots);
        return;
      }
    }
  }

  /**
   * Failed hosts whose incident is over are repaired (BMC answers again, the host boots) and asked back
   * into service through Vigil's reinstate; asked again each round until Nova shows them enabled.
   */
  private async repairFinished(round: number): Promise<void> {
    const incidents = (await this.incidents()) ?? [];
    const { sim } = this.stack;
    for (const epoch of this.epochs) {
      if (epoch.repairedAtMs !== undefined || epoch.round >= round) continue;
      const incident = this.incidentOf(incidents, epoch);
      // A failure with no incident two rounds on is a violation already counted: repair it all the same.
      if (incident ? !FINAL_STATUSES.has(incident.status) : epoch.round >= round - 2) continue;
      sim.setBmcBehaviour(epoch.host, 'normal');
      sim.inject(epoch.host, { kind: 'recover' });
      epoch.repairedAtMs = Date.now();
      this.returning.set(epoch.host, false);
    }
    // A host Vigil powered off or took out of service without a real failure (a violation, counted
    // already) is repaired the same way, so the soak keeps its 12 hosts.
    const open = new Set(this.epochs.filter((e) => e.repairedAtMs === undefined).map((e) => e.host));
    const running = incidents.some((i) => !FINAL_STATUSES.has(i.status));
    for (const host of sim.plan.hosts.map((h) => h.name)) {
      if (open.has(host) || this.returning.has(host) || this.blipped.has(host) || running) continue;
      const service = sim.openstack.nova.model.host(host);
      const off = sim.condition(host)?.power === 'off';
      if (!off && service?.status === 'enabled' && !service.forcedDown) continue;
      if (off) sim.inject(host, { kind: 'recover' });
      this.returning.set(host, false);
    }
    // As an operator would after a repair: reinstate (asked until accepted), then wait for Nova to show
    // the host in service again.
    for (const [host, accepted] of this.returning) {
      const service = sim.openstack.nova.model.host(host);
      if (accepted && service && service.status === 'enabled' && !service.forcedDown) {
        this.returning.delete(host);
        continue;
      }
      if (accepted) continue;
      const status = await this.post(`/vigil/v1/hosts/${encodeURIComponent(host)}/reinstate`, {
        reason: 'chaos soak: repaired',
      });
      if (status === 202) this.returning.set(host, true);
    }
  }

  /** Hosts that may fail this round: up at the controller, in service at Nova, not failed nor blipped. */
  private async eligibleHosts(): Promise<string[]> {
    const body = (await this.getJson('/vigil/v1/cluster')) as
      { cluster?: { hostsByState?: Record<string, string[]> } } | undefined;
    const up = new Set(body?.cluster?.hostsByState?.up ?? []);
    const open = new Set(this.epochs.filter((e) => e.repairedAtMs === undefined).map((e) => e.host));
    return this.stack.sim.plan.hosts
      .map((h) => h.name)
      .filter((h) => {
        const service = this.stack.sim.openstack.nova.model.host(h);
        return (
          up.has(h) &&
          !open.has(h) &&
          !this.returning.has(h) &&
          !this.blipped.has(h) &&
          service?.status === 'enabled' &&
          !service.forcedDown
        );
      });
  }

  private async quiescent(): Promise<boolean> {
    if (!this.stack.replicas.every((r) => r.running)) return false;
    const incidents = await this.incidents();
    if (!incidents) return false;
    return (
      this.epochs
        .filter((e) => e.repairedAtMs === undefined)
        .every((e) => this.incidentOf(incidents, e) !== undefined) &&
      incidents.every((i) => FINAL_STATUSES.has(i.status)) &&
      this.stack.sim.activePartitions().length === 0
    );
  }

  private async check(round: number): Promise<string[]> {
    const { sim } = this.stack;
    const incidents = (await this.incidents()) ?? [];
    return checkSoakInvariants({
      epochs: this.epochs,
      // An incident may still run at the end of its round, never at the end of the next one.
      dueEpochs: this.epochs.filter((e) => e.round < round),
      powerLog: sim.powerLog.list({ sinceMs: this.sinceMs }),
      evacuations: sim.openstack.nova.model
        .migrations({ migrationType: 'evacuation' })
        .filter((m) => m.createdMs >= this.sinceMs),
      incidents: incidents.filter((i) => Date.parse(i.createdAt) >= this.sinceMs),
      bmcAccessSince: (host, sinceMs) => sim.bmc.firstAccessMs(host, sinceMs),
    });
  }

  private incidentOf(incidents: readonly IncidentView[], epoch: FailureEpoch): IncidentView | undefined {
    return incidents.find(
      (i) =>
        i.type === 'COMPUTE_HOST' &&
        i.host === epoch.host &&
        Date.parse(i.createdAt) >= epoch.atMs - 1_000 &&
        Date.parse(i.createdAt) <= (epoch.repairedAtMs ?? Infinity),
    );
  }

  private async leader(): Promise<ControllerReplica | undefined> {
    for (const replica of this.stack.replicas) {
      if (!replica.running) continue;
      const body = (await this.getJsonFrom(replica, '/vigil/v1/cluster')) as
        { cluster?: { leadership?: { isLeader?: boolean } } } | undefined;
      if (body?.cluster?.leadership?.isLeader === true) return replica;
    }
    return undefined;
  }

  private async waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return true;
      await pause(POLL_MS);
    }
    return false;
  }

  private async incidents(): Promise<IncidentView[] | undefined> {
    const body = (await this.getJson('/vigil/v1/incidents?limit=1000')) as
      { incidents?: IncidentView[] } | undefined;
    return body?.incidents;
  }

  private async getJson(path: string): Promise<unknown> {
    for (const replica of this.stack.replicas) {
      if (!replica.running) continue;
      const body = await this.getJsonFrom(replica, path);
      if (body !== undefined) return body;
    }
    return undefined;
  }

  private async getJsonFrom(replica: ControllerReplica, path: string): Promise<unknown> {
    try {
      const res = await fetch(`${replica.url}${path}`, {
        headers: { 'OpenStack-API-Version': 'instance-ha 1.3' },
        signal: AbortSignal.timeout(3_000),
      });
      return res.ok ? await res.json() : undefined;
    } catch {
      return undefined;
    }
  }

  /** POST to the first replica that answers; its status, or undefined when none did. */
  private async post(path: string, body: unknown): Promise<number | undefined> {
    for (const replica of this.stack.replicas) {
      if (!replica.running) continue;
      try {
        const res = await fetch(`${replica.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'instance-ha 1.3' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(3_000),
        });
        await res.text();
        return res.status;
      } catch {
        // The other replica may answer.
      }
    }
    return undefined;
  }
}
