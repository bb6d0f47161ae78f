import { type IncidentRecord, type MoveRecord } from '../model';
import { type RecoveryDeps } from '../recovery-deps';
import { type ServerView } from '../ports';
import {
  planEvacuation,
  type HostRoom,
  type PlannedMove,
  type PlanTiers,
  type RecoveryPlan,
  type SkippedInstance,
} from './planner';
import { assignTiers, parseHttpTarget, parseTcpTarget, tierPolicyOf } from './restart-tiers';

type NewMove = Omit<
  MoveRecord,
  'order' | 'attempt' | 'triedTargets' | 'round' | 'failures' | 'locked' | 'confirmDeadline'
>;

/** The planning phase's I/O around the pure planner: live data in, move records and reserved hosts out. */
export class PlanStep {
  constructor(private readonly d: RecoveryDeps) {}

  /** The plan for a failure of `host` now, from live Nova and inventory data; touches nothing. */
  async computePlan(host: string, segmentId: string | undefined): Promise<RecoveryPlan> {
    const segment = segmentId ? await this.d.directory.getSegment(segmentId) : undefined;
    const hosts = segmentId ? await this.d.directory.hostsOfSegment(segmentId) : [];
    const reservedNames = new Set(
      hosts.filter((h) => h.reserved && !h.onMaintenance && h.name !== host).map((h) => h.name),
    );
    const [servers, hypervisors] = await Promise.all([
      this.d.compute.listServersOnHost(host),
      this.d.compute.hypervisors(),
    ]);
    const room = (h: (typeof hypervisors)[number]): HostRoom => ({
      host: h.host,
      vcpus: Math.max(0, h.vcpus - h.vcpusUsed),
      memoryMb: Math.max(0, h.memoryMb - h.memoryMbUsed),
    });
    const reservedHosts = hypervisors.filter((h) => reservedNames.has(h.host) && h.state === 'up').map(room);
    const schedulerRoom = hypervisors
      .filter(
        (h) => h.host !== host && !reservedNames.has(h.host) && h.state === 'up' && h.status === 'enabled',
      )
      .map(room)
      .reduce((a, r) => ({ vcpus: a.vcpus + r.vcpus, memoryMb: a.memoryMb + r.memoryMb }), {
        vcpus: 0,
        memoryMb: 0,
      });
    const plan = planEvacuation({
      failedHost: host,
      instances: servers,
      policy: this.d.config.policy,
      method: segment?.recoveryMethod ?? 'auto',
      reservedHosts,
      schedulerRoom,
    });
    const tiers = this.tiersOf(plan, servers);
    return tiers ? { ...plan, tiers } : plan;
  }

  /** The plan's moves in restart tiers (`recovery.tiers`), or undefined when none is configured. */
  private tiersOf(plan: RecoveryPlan, servers: readonly ServerView[]): PlanTiers | undefined {
    const policy = tierPolicyOf(this.d.config.tiers);
    if (!policy) return undefined;
    const byId = new Map(servers.map((s) => [s.id, s]));
    const assignment = assignTiers(
      plan.moves.map((m) => ({ id: m.instanceId, metadata: byId.get(m.instanceId)?.metadata ?? {} })),
      policy,
    );
    const warnings = [...assignment.warnings];
    const { readyTcpKey: readyKey, readyHttpKey } = this.d.config.tiers;
    const order = assignment.tiers.map((t, i) => {
      const spec = policy.tiers[i];
      const gate = spec?.gate.kind === 'delay' ? `delay ${spec.gate.ms} ms` : (spec?.gate.kind ?? 'active');
      return {
        name: t.name,
        gate,
        timeoutMs: spec?.timeoutMs ?? 0,
        instances: t.instanceIds.map((id) => {
          const server = byId.get(id);
          const readyTcp = server?.metadata[readyKey];
          const readyHttp = server?.metadata[readyHttpKey];
          if (gate === 'tcp' && !parseTcpTarget(readyTcp))
            warnings.push(
              `instance ${server?.name ?? id} (tier ${t.name}): no address:port in ${readyKey}; ready once ACTIVE`,
            );
          if (gate === 'http' && !parseHttpTarget(readyHttp))
            warnings.push(
              `instance ${server?.name ?? id} (tier ${t.name}): no http(s) URL in ${readyHttpKey}; ready once ACTIVE`,
            );
          return {
            id,
            name: server?.name ?? id,
            ...(readyTcp === undefined ? {} : { readyTcp }),
            ...(readyHttp === undefined ? {} : { readyHttp }),
          };
        }),
      };
    });
    return { order, warnings };
  }

  /**
   * Plans and records every move (a retry round re-plans only what is left), notes a capacity
   * shortfall before anything moves, and prepares the reserved hosts the plan targets.
   */
  async apply(token: number, incident: IncidentRecord): Promise<void> {
    const plan = await this.computePlan(incident.host, incident.segmentId);
    const existing = new Map((await this.d.store.moves(incident.id)).map((m) => [m.instanceId, m]));
    let order = existing.size;
    const write = async (m: NewMove): Promise<void> => {
      const before = existing.get(m.instanceId);
      // Moves already done or in flight keep their record.
      if (before && (before.status === 'succeeded' || before.status === 'moving')) return;
      await this.d.store.putMove(token, incident.id, {
        ...m,
        order: before?.order ?? order++,
        attempt: before?.attempt ?? 0,
        triedTargets: before?.triedTargets ?? [],
        round: incident.round,
        failures: 0,
        locked: before?.locked ?? false,
        confirmDeadline: null,
      });
    };
    const tierOf = new Map(
      (plan.tiers?.order ?? []).flatMap((t, i) => t.instances.map((inst) => [inst.id, i] as const)),
    );
    for (const m of plan.moves) await write({ ...this.planned(incident, m), tier: tierOf.get(m.instanceId) });
    for (const b of plan.blocked) await write(this.unmoved(incident, b, 'blocked'));
    for (const s of plan.skipped)
      if (!existing.has(s.instanceId)) await write(this.unmoved(incident, s, 'skipped'));
    incident.plan = {
      fits: plan.fits,
      warnings: plan.warnings,
      reservedHostsUsed: plan.reservedHostsUsed,
      skipped: plan.skipped,
      blocked: plan.blocked,
      ...(plan.tiers ? { tiers: plan.tiers } : {}),
    };
    // Said before anything moves, so the incident shows the shortfall from the start.
    for (const w of plan.warnings) await this.d.journal.note(incident.id, 'plan', `capacity: ${w}`);
    await this.d.journal.note(
      incident.id,
      'plan',
      `${plan.moves.length} to move, ${plan.skipped.length} skipped, ${plan.blocked.length} blocked`,
    );
    if (plan.tiers) {
      for (const w of plan.tiers.warnings) await this.d.journal.note(incident.id, 'plan', `tiers: ${w}`);
      await this.d.journal.note(incident.id, 'plan', `restart tiers: ${describeTiers(plan.tiers)}`);
    }
    const primaryTargets = new Set(
      plan.moves.flatMap((m) => (m.target.kind === 'host' ? [m.target.host] : [])),
    );
    for (const host of primaryTargets) await this.prepareReservedHost(incident, host);
  }

  /** Makes a reserved host able to take instances: in the failed host's aggregates, enabled, no longer reserved. */
  async prepareReservedHost(incident: IncidentRecord, host: string): Promise<void> {
    await this.d.compute.joinAggregatesOf(incident.host, host);
    await this.d.compute.enableService(host);
    await this.d.directory.updateHost(host, { reserved: false });
    await this.d.journal.note(
      incident.id,
      'plan',
      `reserved host ${host} enabled and joined to the aggregates of ${incident.host}`,
    );
  }

  private planned(incident: IncidentRecord, m: PlannedMove): NewMove {
    return {
      instanceId: m.instanceId,
      instanceName: m.instanceName,
      sourceHost: incident.host,
      originalVmState: m.originalVmState,
      target: m.target,
      fallback: m.fallback,
      status: 'planned',
      destHost: null,
      startedAt: null,
      endedAt: null,
      message: m.overCapacity ? 'over capacity' : null,
      resetToError: false,
    };
  }

  private unmoved(incident: IncidentRecord, s: SkippedInstance, status: 'blocked' | 'skipped'): NewMove {
    return {
      instanceId: s.instanceId,
      instanceName: s.instanceName,
      sourceHost: incident.host,
      originalVmState: '',
      target: { kind: 'scheduler' },
      status,
      destHost: null,
      startedAt: null,
      endedAt: null,
      message: s.reason,
      resetToError: false,
    };
  }
}

/** `db (2; gate tcp, timeout 30 s) → app (1; gate active, timeout 60 s)`: the order an operator reads. */
export function describeTiers(tiers: PlanTiers): string {
  return tiers.order
    .map((t) => `${t.name} (${t.instances.length}; gate ${t.gate}, timeout ${t.timeoutMs / 1000} s)`)
    .join(' → ');
}
