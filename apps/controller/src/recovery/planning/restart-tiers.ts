import { type RestartTiersConfig } from '@vigil/config';

/**
 * Restart tiers with readiness gates, the pure part (wired by tiers/tier-gate.ts). Which tier each moved instance belongs to, and when the next tier may start: when every
 * instance of the current tier passes its tier's readiness gate, or when the tier's timeout runs out
 * (the next tier then starts anyway, and the incident must say so).
 *
 * Precedence of an instance's tier: its metadata (`metadataKey`, a tier name) → its server group's
 * tier → the default tier. Server-group dependencies ("the app group after the db group") push a
 * dependent group's instances to the tier after the latest tier of what it depends on.
 */

/** What "ready" means for the instances of one tier. */
export type ReadinessGate =
  /** Nova says ACTIVE on its new host (what Masakari stops at). */
  | { kind: 'active' }
  /** Every Neutron port of the instance ACTIVE. */
  | { kind: 'ports-active' }
  /** The guest agent answers (where the cloud exposes it). */
  | { kind: 'guest-agent' }
  /** ACTIVE, and a TCP connect to the `address:port` the instance declares in its metadata succeeds. */
  | { kind: 'tcp' }
  /** ACTIVE, and an HTTP GET of the URL the instance declares in its metadata answers 2xx or 3xx. */
  | { kind: 'http' }
  /** Ready a fixed time after the tier started. */
  | { kind: 'delay'; ms: number };

export interface TierSpec {
  name: string;
  gate: ReadinessGate;
  /** After this long the next tier starts even if this one is not ready (ms). */
  timeoutMs: number;
}

export interface TierPolicy {
  /** In restart order. */
  tiers: readonly TierSpec[];
  /** Tier of an instance nothing else places. */
  defaultTier: string;
  /** Instance metadata key naming its tier (e.g. `vigil:tier`). */
  metadataKey: string;
  /** Server group id → tier name. */
  serverGroups: Readonly<Record<string, string>>;
  /** Server group id → the groups it must start after. */
  dependsOn: Readonly<Record<string, readonly string[]>>;
}

export interface TieredInstance {
  id: string;
  metadata: Readonly<Record<string, string>>;
  serverGroup?: string;
}

export interface TierAssignment {
  /** Instance ids per tier, in tier order (every tier listed, possibly empty). */
  tiers: { name: string; instanceIds: string[] }[];
  /** What the plan could not honour, in an operator's words (unknown tier names, cycles). */
  warnings: string[];
}

/** Pure: each instance's tier. */
export function assignTiers(instances: readonly TieredInstance[], policy: TierPolicy): TierAssignment {
  const warnings: string[] = [];
  const indexOf = new Map(policy.tiers.map((t, i) => [t.name, i]));
  const defaultIndex = indexOf.get(policy.defaultTier) ?? 0;
  if (!indexOf.has(policy.defaultTier))
    warnings.push(
      `default tier ${policy.defaultTier} is not a tier: using ${policy.tiers[0]?.name ?? '(none)'}`,
    );
  const groupIndex = resolveGroups(policy, indexOf, defaultIndex, warnings);
  const tiers = policy.tiers.map((t) => ({ name: t.name, instanceIds: [] as string[] }));
  for (const instance of instances) {
    const named = instance.metadata[policy.metadataKey];
    let index =
      instance.serverGroup === undefined
        ? defaultIndex
        : (groupIndex.get(instance.serverGroup) ?? defaultIndex);
    if (named !== undefined) {
      const byName = indexOf.get(named);
      if (byName === undefined)
        warnings.push(`instance ${instance.id}: unknown tier ${named} in ${policy.metadataKey}`);
      else index = byName;
    }
    tiers[index]?.instanceIds.push(instance.id);
  }
  return { tiers, warnings };
}

/**
 * Group tiers after dependencies: a group starts in the tier after the latest tier of the groups it
 * depends on (never earlier than its own mapping). Cycles are reported and their edges ignored.
 */
function resolveGroups(
  policy: TierPolicy,
  indexOf: ReadonlyMap<string, number>,
  defaultIndex: number,
  warnings: string[],
): Map<string, number> {
  const last = policy.tiers.length - 1;
  const base = (group: string): number => {
    const name = policy.serverGroups[group];
    if (name === undefined) return defaultIndex;
    const index = indexOf.get(name);
    if (index === undefined) {
      warnings.push(`server group ${group}: unknown tier ${name}`);
      return defaultIndex;
    }
    return index;
  };
  const resolved = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (group: string): number => {
    const known = resolved.get(group);
    if (known !== undefined) return known;
    if (visiting.has(group)) {
      warnings.push(`server group dependencies form a cycle through ${group}: that dependency is ignored`);
      return base(group);
    }
    visiting.add(group);
    let index = base(group);
    for (const dependency of policy.dependsOn[group] ?? []) {
      const after = visit(dependency) + 1;
      if (after > last) {
        warnings.push(
          `server group ${group} depends on ${dependency}, which starts in the last tier: both start there`,
        );
        index = Math.max(index, last);
      } else index = Math.max(index, after);
    }
    visiting.delete(group);
    resolved.set(group, index);
    return index;
  };
  for (const group of new Set([...Object.keys(policy.serverGroups), ...Object.keys(policy.dependsOn)]))
    visit(group);
  return resolved;
}

/** Where the current tier stands. */
export type TierStep =
  | { kind: 'wait'; remainingMs: number; notReady: string[] }
  | { kind: 'next'; why: 'ready' }
  /** The gate did not open in time: the next tier starts anyway; the incident must say which instances. */
  | { kind: 'next'; why: 'timeout'; notReady: string[] };

/** Pure: whether the tier that started at `startedAt` lets the next one start at `now`. */
export function tierStep(args: {
  tier: TierSpec;
  instanceIds: readonly string[];
  startedAt: number;
  now: number;
  /** Instances whose gate check passed (a `delay` gate needs none). */
  ready: ReadonlySet<string>;
}): TierStep {
  const { tier, instanceIds, startedAt, now, ready } = args;
  const elapsed = now - startedAt;
  const notReady =
    tier.gate.kind === 'delay'
      ? elapsed >= tier.gate.ms
        ? []
        : [...instanceIds]
      : instanceIds.filter((id) => !ready.has(id));
  if (notReady.length === 0) return { kind: 'next', why: 'ready' };
  if (elapsed >= tier.timeoutMs) return { kind: 'next', why: 'timeout', notReady };
  return { kind: 'wait', remainingMs: tier.timeoutMs - elapsed, notReady };
}

/** The tier policy of `recovery.tiers`, or undefined when no tier is configured (everything moves at once). */
export function tierPolicyOf(config: RestartTiersConfig): TierPolicy | undefined {
  if (config.order.length === 0) return undefined;
  return {
    tiers: config.order.map((t) => ({
      name: t.name,
      gate: t.gate === 'delay' ? { kind: 'delay', ms: t.delayMs } : { kind: t.gate },
      timeoutMs: t.timeoutMs,
    })),
    defaultTier: config.defaultTier || (config.order[config.order.length - 1]?.name ?? ''),
    metadataKey: config.metadataKey,
    // Nova shows an instance's server group from microversion 2.71 only; not read yet.
    serverGroups: {},
    dependsOn: {},
  };
}

/** `address:port` (IPv6 in brackets: `[fd00::5]:5432`) of a `tcp` gate, or undefined when malformed. */
export function parseTcpTarget(value: string | undefined): { address: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const port = Number(match[3]);
  const address = match[1] ?? match[2];
  return address && port >= 1 && port <= 65535 ? { address, port } : undefined;
}

/** The `http://` or `https://` URL of an `http` gate, or undefined when absent or malformed. */
export function parseHttpTarget(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pure: whether an HTTP answer means ready. 2xx, and 3xx too (an application that redirects to its login
 * page is up; the redirect is not followed, so a redirect elsewhere cannot make an instance look ready).
 */
export function httpStatusReady(status: number): boolean {
  return status >= 200 && status < 400;
}

/**
 * Pure: whether an instance's Neutron ports let a `ports-active` gate open: every port `ACTIVE` (Neutron
 * sets it once the new host's agent has wired the port; `DOWN`/`BUILD` until then). An instance with no
 * port has nothing to wait for.
 */
export function portsReady(statuses: readonly string[]): boolean {
  return statuses.every((s) => s === 'ACTIVE');
}
