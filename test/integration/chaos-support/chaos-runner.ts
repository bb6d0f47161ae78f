import { waitFor } from '@vigil/testing';
import { type ChaosStack } from './chaos-stack';
import { type ControllerReplica } from './controller-replica';
import { checkInvariants, FINAL_STATUSES, type IncidentView } from './invariants';

export type FaultKind = 'power-off' | 'leader-kill' | 'redis-restart' | 'nova-5xx' | 'bmc-refuse';
const DISRUPTIONS: readonly FaultKind[] = ['leader-kill', 'redis-restart', 'nova-5xx', 'bmc-refuse'];

/** How long a transient fault lasts (the leader's downtime, the Nova burst, the refusing BMC), ms. */
const FAULT_SPAN_MS = 3_000;
const ROUND_TIMEOUT_MS = 45_000;

export interface ChaosSummary {
  seed: number;
  rounds: number;
  faultsInjected: Record<FaultKind, number>;
  plans: string[];
  /** Nova requests answered 503 by the injected bursts (proof the bursts hit the controller). */
  nova5xxAnswered: number;
  incidents: number;
  incidentsByStatus: Record<string, number>;
  /** Incident creation to final state, ms, per failed host. */
  incidentDurationsMs: Record<string, number>;
  evacuations: number;
  violations: string[];
}

/** mulberry32: a tiny seeded PRNG, so a failing seed replays the same fault plans. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rounds of chaos over a `ChaosStack`: each round powers off one healthy host and, at a random moment
 * of its recovery, adds one disruption (the shuffled kinds come in turn so every kind is exercised);
 * then waits for quiescence and checks the invariants against the sim's ground truth.
 */
export class ChaosRunner {
  private readonly random: () => number;
  private readonly failedHosts = new Map<string, number>();
  private readonly faults: Record<FaultKind, number> = {
    'power-off': 0,
    'leader-kill': 0,
    'redis-restart': 0,
    'nova-5xx': 0,
    'bmc-refuse': 0,
  };
  private readonly plans: string[] = [];
  private nova5xxAnswered = 0;
  private readonly violations = new Set<string>();
  /** Incidents not settled at the end of the previous round: they must settle by the end of this one. */
  private unsettled = new Set<string>();

  constructor(
    private readonly stack: ChaosStack,
    private readonly seed: number,
    private readonly log: (line: string) => void,
  ) {
    this.random = seededRandom(seed);
  }

  async run(rounds: number): Promise<ChaosSummary> {
    const order = [...DISRUPTIONS].sort(() => this.random() - 0.5);
    for (let round = 1; round <= rounds; round++) {
      const disruption = order[(round - 1) % order.length] ?? 'nova-5xx';
      await this.round(round, disruption);
    }
    const incidents = (await this.incidents()) ?? [];
    const byStatus: Record<string, number> = {};
    const durations: Record<string, number> = {};
    for (const i of incidents) {
      byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;
      if (i.finishedAt) durations[i.host] = Date.parse(i.finishedAt) - Date.parse(i.createdAt);
    }
    return {
      seed: this.seed,
      rounds,
      faultsInjected: { ...this.faults },
      plans: this.plans,
      nova5xxAnswered: this.nova5xxAnswered,
      incidents: incidents.length,
      incidentsByStatus: byStatus,
      incidentDurationsMs: durations,
      evacuations: this.stack.sim.openstack.nova.model.migrations({ migrationType: 'evacuation' }).length,
      violations: [...this.violations],
    };
  }

  private async round(round: number, disruption: FaultKind): Promise<void> {
    const { sim } = this.stack;
    const healthy = sim.plan.hosts.map((h) => h.name).filter((h) => !this.failedHosts.has(h));
    const victim = healthy[Math.floor(this.random() * healthy.length)] ?? 'none';
    // A refusing BMC must refuse when fencing starts; the other faults land somewhere in the recovery
    // (fencing, isolation, evacuations), counted from when the victim's incident appears.
    const delayMs = disruption === 'bmc-refuse' ? 0 : Math.floor(this.random() * 600);
    const plan = `round ${round}: power-off ${victim} + ${disruption} ${delayMs} ms into its incident`;
    this.plans.push(plan);
    this.log(plan);

    if (disruption === 'bmc-refuse') sim.setBmcBehaviour(victim, 'refuse');
    this.failedHosts.set(victim, Date.now());
    sim.inject(victim, { kind: 'power-off' });
    this.faults['power-off'] += 1;
    if (disruption !== 'bmc-refuse')
      await waitFor(async () => (await this.incidents())?.some((i) => i.host === victim), {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: `an incident for ${victim}`,
      }).catch(() => this.log(`  no incident for ${victim} within 15 s`));
    await pause(delayMs);
    const status = (await this.incidents())?.find((i) => i.host === victim)?.status ?? 'no incident yet';
    this.log(`  ${disruption} while ${victim}: ${status}`);
    await this.disrupt(disruption, victim);
    this.faults[disruption] += 1;

    let settled = false;
    try {
      await waitFor(() => this.quiescent(), {
        timeoutMs: ROUND_TIMEOUT_MS,
        intervalMs: 500,
        what: `round ${round} quiescence`,
      });
      settled = true;
    } catch {
      this.log(`round ${round}: not quiescent after ${ROUND_TIMEOUT_MS} ms`);
    }
    await this.check(round, settled);
  }

  private async disrupt(kind: FaultKind, victim: string): Promise<void> {
    const { sim, redis } = this.stack;
    switch (kind) {
      case 'leader-kill': {
        const leader = await waitFor(() => this.leader(), { timeoutMs: 10_000, what: 'a leader' });
        this.log(`  SIGKILL ${leader.name}`);
        await leader.kill();
        await pause(FAULT_SPAN_MS);
        await leader.start();
        return;
      }
      case 'redis-restart':
        // SIGTERM flushes the AOF; the same data dir and port come back.
        await redis.stop();
        await redis.start();
        return;
      case 'nova-5xx': {
        // Injected failures are answered before routing: received but never recorded as requests.
        const { nova } = sim.openstack;
        const [received, routed] = [nova.http.received.length, nova.requests.length];
        sim.setNovaFaults({ failRate: 0.5, failStatus: 503 });
        await pause(FAULT_SPAN_MS);
        sim.setNovaFaults({ failRate: 0 });
        this.nova5xxAnswered += nova.http.received.length - received - (nova.requests.length - routed);
        return;
      }
      case 'bmc-refuse':
        await pause(FAULT_SPAN_MS);
        sim.setBmcBehaviour(victim, 'normal');
        return;
      case 'power-off':
        return;
    }
  }

  /** The replica that says it leads, if any. */
  private async leader(): Promise<ControllerReplica | undefined> {
    for (const replica of this.stack.replicas) {
      if (!replica.running) continue;
      const body = (await this.getJson(replica, '/vigil/v1/cluster')) as
        { cluster?: { leadership?: { isLeader?: boolean } } } | undefined;
      if (body?.cluster?.leadership?.isLeader === true) return replica;
    }
    return undefined;
  }

  /** Both replicas up, every failed host has its incident, and no incident is still running. */
  private async quiescent(): Promise<boolean> {
    if (!this.stack.replicas.every((r) => r.running)) return false;
    const incidents = await this.incidents();
    if (!incidents) return false;
    const hostIncidents = incidents.filter((i) => i.type === 'COMPUTE_HOST');
    return (
      [...this.failedHosts.keys()].every((h) => hostIncidents.some((i) => i.host === h)) &&
      incidents.every((i) => FINAL_STATUSES.has(i.status))
    );
  }

  private async check(round: number, settled: boolean): Promise<void> {
    const { sim } = this.stack;
    const incidents = (await this.incidents()) ?? [];
    const found = checkInvariants({
      failedHosts: this.failedHosts,
      powerEvents: sim.events.filter((e) => e.kind === 'power-off' || e.kind === 'power-on'),
      evacuations: sim.openstack.nova.model.migrations({ migrationType: 'evacuation' }),
      incidents,
      bmcAccessSince: (host, sinceMs) => sim.bmc.firstAccessMs(host, sinceMs),
      resetHosts: sim.bmc
        .acceptedResets()
        .filter((r) => /Off|Shutdown/.test(r.resetType))
        .map((r) => r.host),
    });
    // (d) An incident may still run at the end of its round, never at the end of the next one.
    const running = incidents.filter((i) => !FINAL_STATUSES.has(i.status)).map((i) => i.id);
    for (const id of running)
      if (this.unsettled.has(id)) found.push(`(d) incident ${id} still running two rounds on`);
    this.unsettled = new Set(running);
    for (const v of found) {
      if (!this.violations.has(v)) this.log(`  VIOLATION ${v}`);
      this.violations.add(v);
    }
    const counts = incidents
      .map((i) => `${i.host}:${i.status}${i.reason === undefined ? '' : ` (${i.reason})`}`)
      .join(' ');
    this.log(`round ${round}: ${settled ? 'quiescent' : 'NOT quiescent'}; incidents ${counts}`);
  }

  /** Incidents from whichever replica answers (a replica may be down or between leaders). */
  private async incidents(): Promise<IncidentView[] | undefined> {
    for (const replica of this.stack.replicas) {
      if (!replica.running) continue;
      const body = (await this.getJson(replica, '/vigil/v1/incidents?limit=1000')) as
        { incidents?: IncidentView[] } | undefined;
      if (body?.incidents) return body.incidents;
    }
    return undefined;
  }

  private async getJson(replica: ControllerReplica, path: string): Promise<unknown> {
    try {
      const res = await fetch(`${replica.url}${path}`, {
        headers: { 'OpenStack-API-Version': 'instance-ha 1.3' },
        signal: AbortSignal.timeout(3_000),
      });
      const text = await res.text();
      return res.ok ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      return undefined;
    }
  }
}
