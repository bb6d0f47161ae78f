import { ErrorCode, VigilError } from '@vigil/contracts';

/** A Nova API microversion such as 2.53. */
export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

export const mv = (major: number, minor: number): Microversion => ({ major, minor });

export const formatMicroversion = (v: Microversion): string => `${v.major}.${v.minor}`;

/** Negative when `a` is older than `b`. */
export function compareMicroversions(a: Microversion, b: Microversion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export const atLeast = (v: Microversion, minimum: Microversion): boolean =>
  compareMicroversions(v, minimum) >= 0;

/** `"2.53"` → 2.53; `""` (a pre-microversion v2.0/v2.1 document) → undefined. */
export function parseMicroversion(raw: string): Microversion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(raw.trim());
  return m ? mv(Number(m[1]), Number(m[2])) : undefined;
}

/** Versions where Nova's behaviour for the calls we use changes (openstack-api.md §3–§5). */
export const NOVA_VERSIONS = {
  base: mv(2, 1),
  /** `forced_down` exists (legacy `PUT /os-services/force-down`). */
  forceDown: mv(2, 11),
  /** Evacuate no longer takes `onSharedStorage` and answers with an empty body. */
  evacuateAutoSharedStorage: mv(2, 14),
  /** `os-migrateLive` takes `block_migration: "auto"` and no longer `disk_over_commit`. */
  liveMigrateAuto: mv(2, 25),
  /** Services and hypervisors by UUID; `PUT /os-services/{id}`; legacy action routes gone. */
  servicesByUuid: mv(2, 53),
  /** `lock` accepts `locked_reason`. */
  lockedReason: mv(2, 73),
  /** `/os-hypervisors/detail` drops the vcpus/memory/disk counters. */
  hypervisorCountersRemoved: mv(2, 88),
} as const;

/**
 * The newest version this client is written for. Pinned rather than `latest`, because newer versions
 * change behaviour under us (2.88 removes hypervisor counters, 2.95 makes evacuated servers stop).
 */
export const PREFERRED_NOVA_VERSION = NOVA_VERSIONS.lockedReason;

/** What the cloud supports and what we send: one pinned version for every call. */
export interface NegotiatedMicroversion {
  readonly cloudMin: Microversion;
  readonly cloudMax: Microversion;
  readonly pinned: Microversion;
}

/**
 * Pure: picks the newest version both sides know, never above our preferred one.
 * A version document without a version (`""`) is a cloud without microversions: 2.1 semantics.
 */
export function negotiateMicroversion(
  cloud: { version: string; min_version: string },
  preferred: Microversion = PREFERRED_NOVA_VERSION,
): NegotiatedMicroversion {
  const cloudMax = cloud.version === '' ? NOVA_VERSIONS.base : parseMicroversion(cloud.version);
  const cloudMin = cloud.min_version === '' ? NOVA_VERSIONS.base : parseMicroversion(cloud.min_version);
  if (!cloudMax || !cloudMin)
    throw new VigilError(ErrorCode.BAD_RESPONSE, 'Nova version document has an unparseable microversion', {
      version: cloud.version,
      minVersion: cloud.min_version,
    });
  if (compareMicroversions(cloudMax, NOVA_VERSIONS.base) < 0)
    throw new VigilError(ErrorCode.NOT_ACCEPTABLE, 'Nova does not support microversion 2.1', {
      cloudMax: formatMicroversion(cloudMax),
    });
  let pinned = compareMicroversions(cloudMax, preferred) < 0 ? cloudMax : preferred;
  if (compareMicroversions(pinned, cloudMin) < 0) pinned = cloudMin;
  return { cloudMin, cloudMax, pinned };
}
