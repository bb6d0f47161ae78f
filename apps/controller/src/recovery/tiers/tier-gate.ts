import { type IncidentRecord, type MoveRecord } from '../model';
import {
  parseHttpTarget,
  parseTcpTarget,
  portsReady,
  tierPolicyOf,
  tierStep,
  type TierSpec,
} from '../planning/restart-tiers';
import { type ReadinessProbe } from '../ports';
import { DONE, type StepResult } from '../queues/contracts';
import { errorMessage, type RecoveryDeps } from '../recovery-deps';
import { isSettled } from '../workflow/state-machine';
import { httpReady } from './http-readiness-probe';
import { TcpReadinessProbe } from './tcp-readiness-probe';

/**
 * Restart tiers at run time: the moves of tier N are enqueued only once tier N-1 is ready (its gate) or
 * its timeout ran out. The round's current tier lives in Redis (`recovery:tiers:<incident>:r<round>`),
 * advanced by compare-and-set, so a restarted or second controller resumes at the same tier and the
 * "next tier" decision is taken once. One `host.tier-gate` job per (incident, round, tier) waits.
 */
export class TierGate {
  private readonly probe: ReadinessProbe;

  constructor(private readonly d: RecoveryDeps) {
    const tcp = new TcpReadinessProbe();
    this.probe = d.probe ?? { tcp: (address, port, ms) => tcp.tcp(address, port, ms), http: httpReady };
  }

  /**
   * Enqueues the moves the current tier allows (all of them without tiers) and the current tier's gate.
   * Idempotent (deterministic job ids): called on every run of the evacuating phase and after each advance.
   */
  async release(incident: IncidentRecord): Promise<void> {
    const moves = await this.d.store.moves(incident.id);
    const current = await this.currentTier(incident, moves);
    for (const m of moves)
      if (!isSettled(m.status) && (m.tier ?? 0) <= current)
        // The plan's order (priority first) is the queue's: a move handed back keeps its place.
        await this.d.scheduler.enqueue(
          'instance.evacuate',
          { incidentId: incident.id, instanceId: m.instanceId, round: m.round },
          { priority: m.order + 1 },
        );
    if (nextTierAfter(moves, current) !== undefined)
      await this.d.scheduler.enqueue('host.tier-gate', {
        incidentId: incident.id,
        round: incident.round,
        tier: current,
      });
  }

  /** The gate job the round needs now (its current tier has a later tier waiting), if any. */
  async pendingGate(
    incident: IncidentRecord,
    moves: readonly MoveRecord[],
  ): Promise<{ incidentId: string; round: number; tier: number } | undefined> {
    const progress = await this.d.store.tierProgress(incident.id, incident.round);
    if (!progress || nextTierAfter(moves, progress.current) === undefined) return undefined;
    return { incidentId: incident.id, round: incident.round, tier: progress.current };
  }

  /** True when `move` waits for an earlier tier (its evacuate job must not start it yet). */
  async holds(incident: IncidentRecord, move: MoveRecord): Promise<boolean> {
    if ((move.tier ?? 0) === 0 || move.status !== 'planned') return false;
    const progress = await this.d.store.tierProgress(incident.id, incident.round);
    return progress !== undefined && (move.tier ?? 0) > progress.current;
  }

  /** An operator's abort: every held tier is released at once, so its queued moves stop (aborted). */
  async releaseAll(incident: IncidentRecord): Promise<void> {
    const moves = await this.d.store.moves(incident.id);
    const last = Math.max(0, ...moves.map((m) => m.tier ?? 0));
    const token = await this.d.tokens.current();
    for (;;) {
      const progress = await this.d.store.tierProgress(incident.id, incident.round);
      if (!progress || progress.current >= last) break;
      const next = { current: last, since: this.d.journal.iso() };
      if (await this.d.store.advanceTier(token, incident.id, incident.round, progress.current, next)) break;
    }
    await this.release(incident);
  }

  /** The `host.tier-gate` job: is tier `tier` ready (or out of time)? Then start the next one. */
  async run(incidentId: string, round: number, tier: number): Promise<StepResult> {
    const incident = await this.d.store.get(incidentId);
    // Settled, aborted or in a later round: nothing left to gate.
    if (!incident || incident.round !== round || incident.phase !== 'evacuating') return DONE;
    const moves = await this.d.store.moves(incidentId);
    const progress = await this.d.store.tierProgress(incidentId, round);
    if (!progress || progress.current !== tier) {
      // Already advanced (a crash after the advance, or a duplicate job): make sure its work is queued.
      await this.release(incident);
      return DONE;
    }
    if (await this.d.store.abortRequested(incidentId)) {
      await this.releaseAll(incident);
      return DONE;
    }
    const next = nextTierAfter(moves, tier);
    if (next === undefined) return DONE;
    const spec = tierPolicyOf(this.d.config.tiers)?.tiers[tier];
    const name = incident.plan?.tiers?.order[tier]?.name ?? spec?.name ?? `#${tier}`;
    const nextName = incident.plan?.tiers?.order[next]?.name ?? `#${next}`;
    const interval = this.d.config.tiers.probeIntervalMs;
    const own = moves.filter((m) => (m.tier ?? 0) === tier);
    if (own.some((m) => !isSettled(m.status)))
      return { kind: 'later', afterMs: interval, why: `tier ${name}: evacuations still running` };
    // The gate's clock starts when the tier's evacuations settled; stored, so it survives restarts.
    const now = this.d.clock.now();
    const since = await this.d.store.waitingSince(`tier-gate-${incidentId}-r${round}-t${tier}`, now);
    // Only instances that came back running can answer: failed, aborted or stopped ones are not waited for.
    const expected = own.filter((m) => m.status === 'succeeded' && m.originalVmState !== 'stopped');
    const gate: TierSpec = spec ?? { name, gate: { kind: 'active' }, timeoutMs: 0 };
    const ready = await this.readyOf(gate, expected);
    const step = tierStep({
      tier: gate,
      instanceIds: expected.map((m) => m.instanceId),
      startedAt: since,
      now,
      ready,
    });
    if (step.kind === 'wait')
      return {
        kind: 'later',
        afterMs: Math.max(1, Math.min(interval, step.remainingMs)),
        why: `tier ${name}: waiting for ${step.notReady.length} instance(s)`,
      };
    const token = await this.d.tokens.current();
    const advanced = await this.d.store.advanceTier(token, incidentId, round, tier, {
      current: next,
      since: this.d.journal.iso(),
    });
    if (!advanced) return DONE;
    const waited = `${((now - since) / 1000).toFixed(1)} s`;
    const left = own.length - expected.length;
    const notWaited = left > 0 ? ` (${left} not running after the move, not waited for)` : '';
    const label = (id: string): string => {
      const m = own.find((o) => o.instanceId === id);
      return m ? `${m.instanceName} (${id})` : id;
    };
    await this.d.journal.note(
      incidentId,
      'evacuate',
      step.why === 'ready'
        ? `tier ${name} ready (${expected.length} instance(s), gate ${describeGate(gate)}) after ${waited}${notWaited}: starting tier ${nextName}`
        : `tier ${name} NOT ready after its timeout of ${gate.timeoutMs / 1000} s (gate ${describeGate(gate)}): ${step.notReady.map(label).join(', ')} not ready; starting tier ${nextName} anyway`,
    );
    await this.release(incident);
    return DONE;
  }

  /** Instances of `moves` that pass the tier's gate now (ACTIVE, and for `tcp`/`http` answering on their target). */
  private async readyOf(tier: TierSpec, moves: readonly MoveRecord[]): Promise<Set<string>> {
    const ready = new Set<string>();
    if (tier.gate.kind === 'delay') return ready;
    const { probeTimeoutMs, readyTcpKey, readyHttpKey } = this.d.config.tiers;
    await Promise.all(
      moves.map(async (m) => {
        const server = await this.d.compute.getServer(m.instanceId);
        if (server?.status !== 'ACTIVE') return;
        // A `tcp`/`http` tier's instance with no valid target was named in the plan's warnings: ready once ACTIVE.
        if (tier.gate.kind === 'tcp') {
          const target = parseTcpTarget(server.metadata[readyTcpKey]);
          if (target && !(await this.probe.tcp(target.address, target.port, probeTimeoutMs))) return;
        } else if (tier.gate.kind === 'http') {
          const url = parseHttpTarget(server.metadata[readyHttpKey]);
          if (url && !(await this.probe.http(url, probeTimeoutMs))) return;
        } else if (tier.gate.kind === 'ports-active' && !(await this.portsActive(m.instanceId))) return;
        ready.add(m.instanceId);
      }),
    );
    return ready;
  }

  /** Every Neutron port of the instance ACTIVE; Neutron unreachable or not wired = not ready (logged). */
  private async portsActive(instanceId: string): Promise<boolean> {
    if (!this.d.network) {
      this.d.logger.warn(
        { instanceId },
        'ports-active gate without Neutron wired: not ready until the tier times out',
      );
      return false;
    }
    try {
      return portsReady(await this.d.network.portStatuses(instanceId));
    } catch (err) {
      this.d.logger.warn({ instanceId, err: errorMessage(err) }, 'ports-active gate: Neutron did not answer');
      return false;
    }
  }

  /** The round's current tier; the first record names the lowest tier with work left. */
  private async currentTier(incident: IncidentRecord, moves: readonly MoveRecord[]): Promise<number> {
    const stored = await this.d.store.tierProgress(incident.id, incident.round);
    if (stored) return stored.current;
    const pending = moves.filter((m) => !isSettled(m.status)).map((m) => m.tier ?? 0);
    const first = pending.length === 0 ? 0 : Math.min(...pending);
    const token = await this.d.tokens.current();
    await this.d.store.startTiers(token, incident.id, incident.round, {
      current: first,
      since: this.d.journal.iso(),
    });
    return (await this.d.store.tierProgress(incident.id, incident.round))?.current ?? first;
  }
}

/** The next tier after `tier` that has a move left to run, if any. */
function nextTierAfter(moves: readonly MoveRecord[], tier: number): number | undefined {
  const later = moves.filter((m) => !isSettled(m.status) && (m.tier ?? 0) > tier).map((m) => m.tier ?? 0);
  return later.length === 0 ? undefined : Math.min(...later);
}

function describeGate(tier: TierSpec): string {
  return tier.gate.kind === 'delay' ? `delay ${tier.gate.ms} ms` : tier.gate.kind;
}
