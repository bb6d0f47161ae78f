import { type RecoveryPolicy } from '@vigil/config';
import { type RecoveryMethod, type ServerView } from '../ports';

/** Free room on one host, as Nova's hypervisor counters report it. */
export interface HostRoom {
  host: string;
  vcpus: number;
  memoryMb: number;
}

export interface PlanInput {
  failedHost: string;
  instances: readonly ServerView[];
  policy: RecoveryPolicy;
  method: RecoveryMethod;
  /** Reserved hosts of the segment that may take instances, with their free room. */
  reservedHosts: readonly HostRoom[];
  /** Free room the scheduler can use (enabled, up, non-reserved hosts other than the failed one). */
  schedulerRoom: { vcpus: number; memoryMb: number };
}

/** Where a move goes: the Nova scheduler, or a named reserved host. */
export type MoveTarget = { kind: 'scheduler' } | { kind: 'host'; host: string };

export interface PlannedMove {
  instanceId: string;
  instanceName: string;
  priority: number;
  haEnabled: boolean;
  /** vm_state before the failure; the instance must come back in it (error ones come back active, then stopped). */
  originalVmState: string;
  target: MoveTarget;
  /** Tried when the first target failed (`auto_priority` / `rh_priority`). */
  fallback?: MoveTarget;
  vcpus: number;
  memoryMb: number;
  /** True when the capacity left did not cover this move; it is still attempted, last. */
  overCapacity: boolean;
}

export interface SkippedInstance {
  instanceId: string;
  instanceName: string;
  reason: string;
}

export interface RecoveryPlan {
  moves: PlannedMove[];
  skipped: SkippedInstance[];
  /** Instances that must move but have nowhere to go (reserved_host with no reserved room). */
  blocked: SkippedInstance[];
  /** Reserved hosts the plan puts instances on; they are enabled before any move. */
  reservedHostsUsed: string[];
  /** True when every planned move fits the capacity left. */
  fits: boolean;
  warnings: string[];
  /** Restart tiers of the moves, in order (absent when `recovery.tiers.order` is empty). */
  tiers?: PlanTiers;
}

/** One restart tier of a plan: its moves start together, the next tier waits for its gate. */
export interface PlanTier {
  name: string;
  /** `active`, `tcp` or `delay <ms> ms`. */
  gate: string;
  timeoutMs: number;
  instances: { id: string; name: string; readyTcp?: string; readyHttp?: string }[];
}

export interface PlanTiers {
  order: PlanTier[];
  /** What the tiers could not honour (unknown tier names, a `tcp` gate with no valid target). */
  warnings: string[];
}

/** Nova states from which `evacuate` is refused (409) without a reset to error first. */
const EVACUABLE_VM_STATES = new Set(['active', 'stopped', 'error']);

export function isHaEnabled(server: ServerView, policy: RecoveryPolicy): boolean {
  return (server.metadata[policy.haEnabledKey] ?? '').toLowerCase() === 'true';
}

export function priorityOf(server: ServerView, policy: RecoveryPolicy): number {
  const raw = server.metadata[policy.priorityKey];
  const n = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : 0;
}

/** Why an instance is never moved, or undefined when it should move. */
export function exclusionReason(server: ServerView, policy: RecoveryPolicy): string | undefined {
  for (const [key, value] of Object.entries(policy.exclude.metadata))
    if (server.metadata[key] === value) return `excluded by rule: metadata ${key}=${value}`;
  if (policy.exclude.projects.includes(server.tenantId))
    return `excluded by rule: project ${server.tenantId}`;
  const flavor = server.flavor?.original_name;
  if (flavor !== undefined && policy.exclude.flavors.includes(flavor))
    return `excluded by rule: flavor ${flavor}`;
  if (!policy.evacuateAllInstances && !isHaEnabled(server, policy))
    return `not HA-enabled (${policy.haEnabledKey}) and evacuateAllInstances is false`;
  if (policy.ignoreErrorInstances && server.vmState === 'error') return 'in ERROR and ignoreErrorInstances';
  if (server.vmState === 'shelved_offloaded') return 'shelved_offloaded: has no host';
  return undefined;
}

/** True when Nova would refuse `evacuate` until the instance is reset to error (Masakari's workaround). */
export function needsResetBeforeEvacuate(vmState: string, taskState: string | null): boolean {
  return !EVACUABLE_VM_STATES.has(vmState) || taskState !== null;
}

function byPriority(a: PlannedMove, b: PlannedMove): number {
  return (
    b.priority - a.priority ||
    Number(b.haEnabled) - Number(a.haEnabled) ||
    a.instanceName.localeCompare(b.instanceName) ||
    a.instanceId.localeCompare(b.instanceId)
  );
}

/**
 * Decides what moves where after a host failure. Pure: (instances, policy, capacities) → plan.
 * Reserved hosts are chosen by free memory (then vCPUs), never by list order, and a reserved host is
 * only used when the instance fits it.
 */
export function planEvacuation(input: PlanInput): RecoveryPlan {
  const skipped: SkippedInstance[] = [];
  const candidates: PlannedMove[] = [];
  for (const server of input.instances) {
    if (server.host !== input.failedHost) {
      // The `host` filter is silently dropped for callers without the policy: never trust it.
      skipped.push({
        instanceId: server.id,
        instanceName: server.name,
        reason: `not on ${input.failedHost}`,
      });
      continue;
    }
    const reason = exclusionReason(server, input.policy);
    if (reason) {
      skipped.push({ instanceId: server.id, instanceName: server.name, reason });
      continue;
    }
    candidates.push({
      instanceId: server.id,
      instanceName: server.name,
      priority: priorityOf(server, input.policy),
      haEnabled: isHaEnabled(server, input.policy),
      originalVmState: server.vmState,
      target: { kind: 'scheduler' },
      vcpus: server.flavor?.vcpus ?? 0,
      memoryMb: server.flavor?.ram ?? 0,
      overCapacity: false,
    });
  }
  candidates.sort(byPriority);

  const reserved = input.reservedHosts.map((h) => ({ ...h }));
  const scheduler = { ...input.schedulerRoom };
  const fitsIn = (room: { vcpus: number; memoryMb: number }, m: PlannedMove): boolean =>
    room.vcpus >= m.vcpus && room.memoryMb >= m.memoryMb;
  const take = (room: { vcpus: number; memoryMb: number }, m: PlannedMove): void => {
    room.vcpus -= m.vcpus;
    room.memoryMb -= m.memoryMb;
  };
  const takeReserved = (m: PlannedMove): string | undefined => {
    const best = reserved
      .filter((h) => fitsIn(h, m))
      .sort((a, b) => b.memoryMb - a.memoryMb || b.vcpus - a.vcpus || a.host.localeCompare(b.host))[0];
    if (!best) return undefined;
    take(best, m);
    return best.host;
  };
  const takeScheduler = (m: PlannedMove): boolean => {
    if (!fitsIn(scheduler, m)) return false;
    take(scheduler, m);
    return true;
  };

  const moves: PlannedMove[] = [];
  const blocked: SkippedInstance[] = [];
  const usedReserved = new Set<string>();
  for (const m of candidates) {
    switch (input.method) {
      case 'auto':
        m.overCapacity = !takeScheduler(m);
        break;
      case 'reserved_host': {
        const host = takeReserved(m);
        if (!host) {
          blocked.push({
            instanceId: m.instanceId,
            instanceName: m.instanceName,
            reason: 'no reserved host has room for it',
          });
          continue;
        }
        m.target = { kind: 'host', host };
        break;
      }
      case 'auto_priority': {
        // Scheduler first; a reserved host (if one has room) is the fallback when that attempt fails.
        const fitsScheduler = takeScheduler(m);
        const host = fitsScheduler ? reservedWithRoom(reserved, m) : takeReserved(m);
        if (host) m.fallback = { kind: 'host', host };
        m.overCapacity = !fitsScheduler && !host;
        if (!fitsScheduler && host) {
          m.target = { kind: 'host', host };
          m.fallback = undefined;
        }
        break;
      }
      case 'rh_priority': {
        const host = takeReserved(m);
        if (host) {
          m.target = { kind: 'host', host };
          m.fallback = { kind: 'scheduler' };
        } else m.overCapacity = !takeScheduler(m);
        break;
      }
    }
    if (m.target.kind === 'host') usedReserved.add(m.target.host);
    if (m.fallback?.kind === 'host') usedReserved.add(m.fallback.host);
    moves.push(m);
  }
  // Over-capacity moves go last, so the capacity left serves the highest priorities.
  const ordered = [...moves.filter((m) => !m.overCapacity), ...moves.filter((m) => m.overCapacity)];
  const warnings: string[] = [];
  const over = ordered.filter((m) => m.overCapacity).length;
  if (over > 0)
    warnings.push(
      `capacity left does not fit ${over} of ${ordered.length} instances; highest priorities move first`,
    );
  if (blocked.length > 0) warnings.push(`${blocked.length} instances have no reserved host with room`);
  return {
    moves: ordered,
    skipped,
    blocked,
    reservedHostsUsed: [...usedReserved].sort(),
    fits: over === 0 && blocked.length === 0,
    warnings,
  };
}

/** The reserved host with most room that fits `m`, without taking the room (fallbacks are not counted). */
function reservedWithRoom(reserved: readonly HostRoom[], m: PlannedMove): string | undefined {
  return reserved
    .filter((h) => h.vcpus >= m.vcpus && h.memoryMb >= m.memoryMb)
    .sort((a, b) => b.memoryMb - a.memoryMb || b.vcpus - a.vcpus)[0]?.host;
}
