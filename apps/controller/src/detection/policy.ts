import { type DetectionConfig, detectionPolicySchema } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type DetectionPolicy } from './model';

/** The config's `detection` section, reduced to the keys a segment may override. */
export function defaultPolicy(config: DetectionConfig): DetectionPolicy {
  return {
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    suspectHoldMs: config.suspectHoldMs,
    minEvidence: config.minEvidence,
    evidenceSources: config.evidenceSources,
    ovs: config.ovs,
    libvirt: config.libvirt,
    stormGuard: config.stormGuard,
    dataPlaneGraceMs: config.dataPlaneGraceMs,
    correlatedSilenceHoldMs: config.correlatedSilenceHoldMs,
    correlatedSilenceWindowMs: config.correlatedSilenceWindowMs,
    outsideHostNotifications: config.outsideHostNotifications,
  };
}

/**
 * A segment's policy: its stored override laid over the defaults, validated as a whole (unknown keys
 * and bad values are 400 on PUT). `stormGuard` merges key by key; other keys replace.
 */
export function resolvePolicy(defaults: DetectionPolicy, override: unknown): DetectionPolicy {
  if (override === undefined) return defaults;
  if (typeof override !== 'object' || override === null || Array.isArray(override))
    throw new VigilError(ErrorCode.BAD_REQUEST, 'A detection policy must be a JSON object.');
  const o = override as Record<string, unknown>;
  const storm = o.stormGuard;
  const merged = {
    ...defaults,
    ...o,
    stormGuard:
      typeof storm === 'object' && storm !== null && !Array.isArray(storm)
        ? { ...defaults.stormGuard, ...storm }
        : (storm ?? defaults.stormGuard),
  };
  const parsed = detectionPolicySchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VigilError(
      ErrorCode.BAD_REQUEST,
      `Invalid detection policy: ${issue?.path.join('.') || 'policy'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
