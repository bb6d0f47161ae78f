import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { HEARTBEAT_BACKOFF_MAX_MS } from '@vigil/heartbeat';
import { IncidentEventPublisher } from '../events/incident-event-publisher';
import { VigilMetrics } from '../health/vigil-metrics';
import { IntakeService } from '../intake/intake.service';
import { IntakeStore } from '../intake/intake-store';
import { type FencedOp } from '../leadership/fenced-writes';
import { LeaderLease } from '../leadership/leader-lease';
import { CONFIG, LOGGER } from '../platform/tokens';
import { DetectionStore } from './detection-store';
import { evaluate } from './evaluate';
import { FailureDomainMap } from './failure-domain-map';
import { openIncidentOnce } from './incident-guard';
import {
  type DetectionAction,
  type DetectionOutput,
  type DetectionPolicy,
  type Evidence,
  type HeartbeatSighting,
  type HostObservation,
  type HostRecord,
  type ProbeResults,
  SELF_RELEASE_BY,
  type StormGuardState,
  type StormScope,
} from './model';
import {
  clockOffsetMaxMs,
  EMPTY_NOVA_LEDGER,
  type NovaReportLedger,
  recordServiceList,
} from './nova-reports';
import { defaultPolicy, resolvePolicy } from './policy';
import { DetectionPorts, type MonitoredHost } from './ports';
import { BmcReader, probeAll } from './probes';

/** Counters a metrics exporter can read as they are. */
export interface DetectionCounters {
  sweeps: number;
  sweepErrors: number;
  transitions: number;
  stormGuardEngaged: number;
  incidentsOpened: number;
  computeDisabled: number;
  actionErrors: number;
}

/**
 * While no controller answered (a restart, a failover), monitors retried with a capped back-off: the
 * slowest may speak up to this long after we are back. Silence is counted from leadership + this, so a
 * fresh leader waits for the back-off cap plus `heartbeatTimeoutMs` (checked in `evaluate`) before it
 * calls anyone silent. Derived from the monitors' own cap, not a separate guess.
 */
export const POST_RESTART_GRACE_MS = HEARTBEAT_BACKOFF_MAX_MS;

/** States in which detection asks Nova and the BMC for a second opinion. */
const NEEDS_PROBES = new Set(['up', 'degraded', 'suspect', 'isolated-from-controller', 'maintenance']);

/**
 * The scheduled sweep: on the leader only, every `sweepIntervalMs`, gathers observations, runs the pure
 * `evaluate`, commits the result under the fencing token, then carries out the actions.
 */
@Injectable()
export class DetectionService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly counters: DetectionCounters = {
    sweeps: 0,
    sweepErrors: 0,
    transitions: 0,
    stormGuardEngaged: 0,
    incidentsOpened: 0,
    computeDisabled: 0,
    actionErrors: 0,
  };
  private readonly defaults: DetectionPolicy;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private warnedNoDirectory = false;
  /** What the service lists read so far say about each nova-compute's reports (leader memory only: a new leader relearns). */
  private novaLedger: NovaReportLedger = EMPTY_NOVA_LEDGER;
  private bmc: BmcReader | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly lease: LeaderLease,
    private readonly store: DetectionStore,
    private readonly intake: IntakeService,
    private readonly intakeStore: IntakeStore,
    private readonly ports: DetectionPorts,
    private readonly domains: FailureDomainMap,
    private readonly metrics: VigilMetrics,
    private readonly events: IncidentEventPublisher,
  ) {
    this.defaults = defaultPolicy(config.detection);
  }

  onApplicationBootstrap(): void {
    this.metrics.observeHostStates(async () => {
      const counts: Record<string, number> = {};
      for (const record of (await this.store.readRecords()).values())
        counts[record.state] = (counts[record.state] ?? 0) + 1;
      return counts;
    });
    this.metrics.observeFailureDomains(async () => {
      const counts: Record<string, Record<string, number>> = {};
      for (const record of (await this.store.readRecords()).values()) {
        const domain = this.domains.of(record.host);
        if (domain === undefined) continue;
        const byState = (counts[domain] ??= {});
        byState[record.state] = (byState[record.state] ?? 0) + 1;
      }
      return counts;
    });
    this.metrics.observeStormGuards(async () => {
      const engaged: Record<string, number> = {};
      for (const guard of (await this.store.readGuards()).values())
        engaged[guard.scope] = guard.engaged ? 1 : 0;
      return engaged;
    });
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Evidence from other parts of Vigil (Masakari notifications, alerts). Any replica may call it. */
  async recordEvidence(host: string, evidence: Evidence): Promise<void> {
    await this.store.appendEvidence(host, evidence, this.config.detection.evidenceMaxAgeMs);
  }

  /**
   * An outside COMPUTE_HOST notification about a host Vigil sees alive ended `ignored` (issue 13): a
   * metric, a CloudEvent `io.vigil.notification.ignored`, and a detection event beside the host's
   * timeline. Best effort: the notification's own record already holds the reason.
   */
  async outsideReportIgnored(host: string, incidentId: string, reason: string): Promise<void> {
    this.metrics.outsideNotificationIgnored();
    this.events.publish({ type: 'notification.ignored', host, incidentId, data: { reason } });
    if (!this.lease.isLeader) return;
    try {
      await this.lease.writeFenced([
        this.store.eventOp({
          at: Date.now(),
          kind: 'outside-notification-ignored',
          host,
          incidentId,
          reason,
        }),
      ]);
    } catch (err) {
      this.logger.warn(
        { err, host, incidentId },
        'could not record the ignored notification as a detection event',
      );
    }
  }

  /** The policy that applies to a segment (stored override over config defaults). */
  async policyOf(segmentUuid: string): Promise<DetectionPolicy> {
    return resolvePolicy(this.defaults, await this.store.readPolicyOverride(segmentUuid));
  }

  async setPolicy(segmentUuid: string, override: unknown): Promise<DetectionPolicy> {
    const policy = resolvePolicy(this.defaults, override);
    await this.store.writePolicyOverride(segmentUuid, override);
    return policy;
  }

  /** One detection step; a no-op unless this replica leads. Exposed for tests and tooling. */
  async sweepOnce(now = Date.now()): Promise<void> {
    const leaderSince = this.lease.leaderSince;
    if (leaderSince === undefined) return;
    const observingSince = leaderSince + POST_RESTART_GRACE_MS;
    const directory = this.ports.directory;
    if (!directory) {
      if (!this.warnedNoDirectory) this.logger.warn('no MonitoredHostDirectory wired: detection is idle');
      this.warnedNoDirectory = true;
      return;
    }
    const hosts = await directory.listMonitoredHosts();
    const [stored, previous, guards, overrides] = await Promise.all([
      this.intakeStore.readAll(),
      this.store.readRecords(),
      this.store.readGuards(),
      this.store.readPolicyOverrides(),
    ]);
    const policyOf = this.policyResolver(overrides);
    const sightings = mergeSightings(stored, this.intake.latestSightings());
    const silent = hosts.filter((h) => {
      const prev = previous.get(h.name);
      const seen = sightings.get(h.name);
      if (h.onMaintenance || !h.segmentEnabled || (!prev && !seen)) return false;
      if (prev && !NEEDS_PROBES.has(prev.state)) return false;
      const last = Math.max(seen?.receivedAt ?? 0, observingSince);
      return now - last > policyOf(h.segmentUuid).heartbeatTimeoutMs;
    });
    const silentNames = silent.map((h) => h.name);
    const [probed, evidence] = await Promise.all([
      probeAll(this.ports.probe, this.bmcReader(), silentNames, this.config.detection.evidenceTimeoutMs),
      this.store.readEvidence(silentNames),
    ]);
    if (probed.nova) this.novaLedger = recordServiceList(this.novaLedger, probed.nova, Date.now());
    const offsetMaxMs = clockOffsetMaxMs(this.novaLedger);
    const probes = new Map<string, ProbeResults>();
    for (const name of silentNames) {
      const track = this.novaLedger.services.get(name);
      probes.set(name, {
        bmc: probed.bmc.get(name) ?? 'unknown',
        ...(probed.nova
          ? { nova: { ...(track ? { track } : {}), ...(offsetMaxMs !== undefined ? { offsetMaxMs } : {}) } }
          : this.ports.probe
            ? // Asked and not answered: not "no report" (that would read as a missed one), just unknown.
              { nova: { ...(track ? { track } : {}), unread: true } }
            : {}),
      });
    }
    const evaluated = evaluate({
      now,
      observingSince,
      hosts: hosts.map((h) =>
        observation(h, sightings.get(h.name), probes.get(h.name), evidence.get(h.name)),
      ),
      previous,
      guards,
      policyOf,
      settings: this.config.detection,
      domainOf: (host) => this.domains.of(host),
    });
    const out = await this.withoutStaleGuardWrites(evaluated, guards);
    const ops: FencedOp[] = [
      ...out.records.map((r) => this.store.recordOp(r)),
      ...out.timeline.map((t) => this.store.timelineOp(t, this.config.detection.timelineMaxEntries)),
      ...out.guards.map((g) => this.store.guardOp(g)),
      ...out.actions.flatMap((a) =>
        a.kind === 'storm-guard-released'
          ? [
              this.store.auditOp({
                at: now,
                scope: a.guard.scope,
                by: a.guard.releasedBy ?? SELF_RELEASE_BY,
                reason: a.guard.releaseReason ?? 'self-release',
                action: 'release',
              }),
            ]
          : [],
      ),
      ...out.actions
        .filter((a) => a.kind !== 'open-incident')
        .map((a) => this.store.eventOp({ at: now, ...a })),
    ];
    if (ops.length > 0) await this.lease.writeFenced(ops);
    this.counters.transitions += out.timeline.length;
    for (const t of out.timeline) {
      const seen = sightings.get(t.host);
      if (t.to === 'failed' && seen) this.metrics.failureDetected((t.at - seen.receivedAt) / 1000);
    }
    for (const t of out.timeline)
      this.logger.info(
        { host: t.host, from: t.from, to: t.to, generation: t.generation, reason: t.reason },
        'host state changed',
      );
    const records = new Map(previous);
    for (const r of out.records) records.set(r.host, r);
    for (const action of out.actions) await this.execute(action, records);
  }

  /**
   * An operator's pin or release lands on any replica straight into Redis while this sweep ran: our
   * writes of those guards (a quiet mark, a self-release) were computed from what it replaced, so they
   * are dropped; the next sweep starts from the operator's version.
   */
  private async withoutStaleGuardWrites(
    out: DetectionOutput,
    readAtStart: ReadonlyMap<StormScope, StormGuardState>,
  ): Promise<DetectionOutput> {
    if (out.guards.length === 0) return out;
    const latest = await this.store.readGuards();
    const stale = new Set(
      out.guards
        .map((g) => g.scope)
        .filter((scope) => JSON.stringify(latest.get(scope)) !== JSON.stringify(readAtStart.get(scope))),
    );
    if (stale.size === 0) return out;
    return {
      ...out,
      guards: out.guards.filter((g) => !stale.has(g.scope)),
      actions: out.actions.filter(
        (a) =>
          !(
            (a.kind === 'storm-guard-engaged' || a.kind === 'storm-guard-released') &&
            stale.has(a.guard.scope)
          ),
      ),
    };
  }

  private async execute(action: DetectionAction, records: Map<string, HostRecord>): Promise<void> {
    try {
      switch (action.kind) {
        case 'storm-guard-engaged':
          this.counters.stormGuardEngaged++;
          this.metrics.stormGuardActive(action.guard.scope, true);
          this.logger.error(
            { scope: action.guard.scope, hosts: action.guard.hosts, reason: action.guard.reason },
            `storm guard engaged for ${action.guard.scope}: automatic fencing suspended until the storm is over (or an operator releases it)`,
          );
          this.events.publish({
            type: 'storm-guard.engaged',
            host: action.guard.scope,
            data: { scope: action.guard.scope, reason: action.guard.reason, hosts: action.guard.hosts },
          });
          return;
        case 'storm-guard-released':
          this.metrics.stormGuardActive(action.guard.scope, false);
          this.logger.warn(
            { scope: action.guard.scope, by: action.guard.releasedBy, reason: action.guard.releaseReason },
            `storm guard ${action.guard.scope} released itself`,
          );
          this.events.publish({
            type: 'storm-guard.released',
            host: action.guard.scope,
            data: {
              scope: action.guard.scope,
              by: action.guard.releasedBy,
              reason: action.guard.releaseReason,
            },
          });
          return;
        case 'alert':
          this.logger.warn({ host: action.host, reason: action.reason }, 'host component alert');
          return;
        case 'disable-compute':
          if (!this.ports.compute) throw new Error('no ComputeServiceActions wired');
          await this.ports.compute.disableCompute(action.host, action.reason);
          this.counters.computeDisabled++;
          this.logger.warn(
            { host: action.host, component: action.component },
            'nova-compute disabled by triage',
          );
          return;
        case 'open-incident': {
          if (!this.ports.incidents) throw new Error('no IncidentOpener wired');
          const { verdict } = action;
          const incidentId = await openIncidentOnce({
            verdict,
            lease: this.lease,
            store: this.store,
            opener: this.ports.incidents,
            logger: this.logger,
          });
          const record = records.get(verdict.host);
          if (!incidentId || !record) return;
          const updated: HostRecord = { ...record, incidentId };
          records.set(verdict.host, updated);
          await this.lease.writeFenced([
            this.store.recordOp(updated),
            this.store.eventOp({
              at: Date.now(),
              kind: 'incident-opened',
              host: verdict.host,
              generation: verdict.generation,
              incidentId,
            }),
          ]);
          this.counters.incidentsOpened++;
          this.logger.warn(
            { host: verdict.host, generation: verdict.generation, incidentId, reason: verdict.reason },
            'host failed: incident opened',
          );
          return;
        }
      }
    } catch (err) {
      this.counters.actionErrors++;
      this.logger.error(
        { err, action: action.kind, host: 'host' in action ? action.host : undefined },
        'detection action failed; retried on a later sweep where applicable',
      );
    }
  }

  /**
   * A hung or slow BMC never holds the sweep longer than one sweep interval (at most the evidence
   * timeout): its read goes on in the background and the next sweep uses it.
   */
  private bmcReader(): BmcReader | undefined {
    const probe = this.ports.probe;
    if (!probe) return undefined;
    const { evidenceTimeoutMs, sweepIntervalMs } = this.config.detection;
    this.bmc ??= new BmcReader(probe, {
      timeoutMs: evidenceTimeoutMs,
      waitMs: Math.min(evidenceTimeoutMs, Math.max(100, sweepIntervalMs)),
      maxAgeMs: evidenceTimeoutMs + sweepIntervalMs,
    });
    return this.bmc;
  }

  private policyResolver(overrides: ReadonlyMap<string, unknown>): (segmentUuid: string) => DetectionPolicy {
    const cache = new Map<string, DetectionPolicy>();
    return (segmentUuid) => {
      let policy = cache.get(segmentUuid);
      if (!policy) {
        try {
          policy = resolvePolicy(this.defaults, overrides.get(segmentUuid));
        } catch (err) {
          this.logger.error({ err, segmentUuid }, 'stored detection policy is invalid; using defaults');
          policy = this.defaults;
        }
        cache.set(segmentUuid, policy);
      }
      return policy;
    };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce()
        .then(() => void this.counters.sweeps++)
        .catch((err: unknown) => {
          this.counters.sweepErrors++;
          this.logger.error(
            { err, leader: this.lease.isLeader, token: this.lease.token },
            'detection sweep failed',
          );
        })
        .finally(() => this.schedule());
    }, this.config.detection.sweepIntervalMs);
  }
}

/** Heartbeats may reach any replica: the newest sighting per host wins, wherever it was received. */
function mergeSightings(
  stored: ReadonlyMap<string, HeartbeatSighting>,
  local: ReadonlyMap<string, HeartbeatSighting>,
): Map<string, HeartbeatSighting> {
  const merged = new Map(stored);
  for (const [host, s] of local) {
    const other = merged.get(host);
    if (!other || other.receivedAt < s.receivedAt) merged.set(host, s);
  }
  return merged;
}

function observation(
  h: MonitoredHost,
  heartbeat: HeartbeatSighting | undefined,
  probes: ProbeResults | undefined,
  evidence: Evidence[] | undefined,
): HostObservation {
  return {
    host: h.name,
    segmentUuid: h.segmentUuid,
    onMaintenance: h.onMaintenance,
    segmentEnabled: h.segmentEnabled,
    ...(heartbeat ? { heartbeat } : {}),
    ...(probes ? { probes } : {}),
    evidence: evidence ?? [],
  };
}
