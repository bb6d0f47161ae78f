import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
import { type Redis, withRedis } from '@vigil/redis';
import { type FencedOp } from '../leadership/fenced-writes';
import { CONFIG, REDIS } from '../platform/tokens';
import {
  type Evidence,
  type HostRecord,
  type StormGuardState,
  type StormScope,
  type TimelineEntry,
} from './model';

/** A storm-guard release (an operator's, or Vigil's self-release), a pin or an unpin, kept for audit. */
export interface GuardAuditEntry {
  at: number;
  scope: StormScope;
  by: string;
  reason: string;
  /** Absent for releases (the original entries); `pin` / `unpin` for pins. */
  action?: 'release' | 'pin' | 'unpin';
}

/** Evidence entries kept per host (newest first). */
const EVIDENCE_KEPT = 20;
const AUDIT_KEPT = 500;
export const EVENTS_KEPT = 1000;

/**
 * The only owner of detection's Redis keys. Reads are plain; the leader's writes are returned as
 * `FencedOp`s for `LeaderLease.writeFenced`, so a deposed leader cannot apply them.
 */
@Injectable()
export class DetectionStore {
  readonly keys: {
    records: string;
    guards: string;
    audit: string;
    events: string;
    policies: string;
    timeline: (host: string) => string;
    evidence: (host: string) => string;
    incidentGuard: (host: string, generation: number) => string;
  };

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    const p = `${config.redis.keyPrefix}det:`;
    this.keys = {
      records: `${p}hosts`,
      guards: `${p}storm-guards`,
      audit: `${p}storm-guard-audit`,
      events: `${p}events`,
      policies: `${p}segment-policies`,
      timeline: (host) => `${p}timeline:${host}`,
      evidence: (host) => `${p}evidence:${host}`,
      incidentGuard: (host, generation) => `${p}incident:${host}:${generation}`,
    };
  }

  async readRecords(): Promise<Map<string, HostRecord>> {
    const raw = await withRedis(() => this.redis.hgetall(this.keys.records));
    return new Map(Object.entries(raw).map(([host, json]) => [host, JSON.parse(json) as HostRecord]));
  }

  async readRecord(host: string): Promise<HostRecord | undefined> {
    const json = await withRedis(() => this.redis.hget(this.keys.records, host));
    return json ? (JSON.parse(json) as HostRecord) : undefined;
  }

  async readTimeline(host: string, limit: number): Promise<TimelineEntry[]> {
    const raw = await withRedis(() => this.redis.lrange(this.keys.timeline(host), 0, limit - 1));
    return raw.map((j) => JSON.parse(j) as TimelineEntry);
  }

  async readGuards(): Promise<Map<StormScope, StormGuardState>> {
    const raw = await withRedis(() => this.redis.hgetall(this.keys.guards));
    return new Map(
      Object.entries(raw).map(([scope, json]) => [scope as StormScope, JSON.parse(json) as StormGuardState]),
    );
  }

  /** Release is an operator action and may land on any replica: a direct write, audited. */
  async writeRelease(guard: StormGuardState, audit: GuardAuditEntry): Promise<void> {
    await withRedis(() =>
      this.redis
        .multi()
        .hset(this.keys.guards, guard.scope, JSON.stringify(guard))
        .lpush(this.keys.audit, JSON.stringify(audit))
        .ltrim(this.keys.audit, 0, AUDIT_KEPT - 1)
        .exec(),
    );
  }

  /** The leader's own audit entries (a self-release), written with its other fenced writes. */
  auditOp(audit: GuardAuditEntry): FencedOp {
    return { op: 'lpush-trim', key: this.keys.audit, value: JSON.stringify(audit), max: AUDIT_KEPT };
  }

  async readAudit(limit: number): Promise<GuardAuditEntry[]> {
    const raw = await withRedis(() => this.redis.lrange(this.keys.audit, 0, limit - 1));
    return raw.map((j) => JSON.parse(j) as GuardAuditEntry);
  }

  async readEvents(limit: number): Promise<Array<Record<string, unknown>>> {
    const raw = await withRedis(() => this.redis.lrange(this.keys.events, 0, limit - 1));
    return raw.map((j) => JSON.parse(j) as Record<string, unknown>);
  }

  /** Evidence may come from any replica (Masakari API, alert webhook): a direct, capped write. */
  async appendEvidence(host: string, evidence: Evidence, maxAgeMs: number): Promise<void> {
    const key = this.keys.evidence(host);
    await withRedis(() =>
      this.redis
        .multi()
        .lpush(key, JSON.stringify(evidence))
        .ltrim(key, 0, EVIDENCE_KEPT - 1)
        .pexpire(key, maxAgeMs)
        .exec(),
    );
  }

  async readEvidence(hosts: readonly string[]): Promise<Map<string, Evidence[]>> {
    if (hosts.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const h of hosts) pipeline.lrange(this.keys.evidence(h), 0, -1);
    const results = await withRedis(async () => (await pipeline.exec()) ?? []);
    return new Map(
      hosts.map((h, i) => {
        const [err, list] = results[i] ?? [null, []];
        return [h, err ? [] : (list as string[]).map((j) => JSON.parse(j) as Evidence)];
      }),
    );
  }

  async readPolicyOverrides(): Promise<Map<string, unknown>> {
    const raw = await withRedis(() => this.redis.hgetall(this.keys.policies));
    return new Map(Object.entries(raw).map(([seg, json]) => [seg, JSON.parse(json) as unknown]));
  }

  async readPolicyOverride(segmentUuid: string): Promise<unknown> {
    const json = await withRedis(() => this.redis.hget(this.keys.policies, segmentUuid));
    return json ? (JSON.parse(json) as unknown) : undefined;
  }

  async writePolicyOverride(segmentUuid: string, override: unknown): Promise<void> {
    await withRedis(() => this.redis.hset(this.keys.policies, segmentUuid, JSON.stringify(override)));
  }

  async readIncidentGuard(host: string, generation: number): Promise<string | undefined> {
    return (await withRedis(() => this.redis.get(this.keys.incidentGuard(host, generation)))) ?? undefined;
  }

  recordOp(record: HostRecord): FencedOp {
    return { op: 'hset', key: this.keys.records, field: record.host, value: JSON.stringify(record) };
  }

  timelineOp(entry: TimelineEntry, max: number): FencedOp {
    return { op: 'lpush-trim', key: this.keys.timeline(entry.host), value: JSON.stringify(entry), max };
  }

  guardOp(guard: StormGuardState): FencedOp {
    return { op: 'hset', key: this.keys.guards, field: guard.scope, value: JSON.stringify(guard) };
  }

  eventOp(event: Record<string, unknown>): FencedOp {
    return { op: 'lpush-trim', key: this.keys.events, value: JSON.stringify(event), max: EVENTS_KEPT };
  }

  incidentGuardOp(host: string, generation: number, value: string, mode: 'setnx' | 'set'): FencedOp {
    return { op: mode, key: this.keys.incidentGuard(host, generation), value };
  }

  incidentGuardDeleteOp(host: string, generation: number): FencedOp {
    return { op: 'del', key: this.keys.incidentGuard(host, generation) };
  }
}
