import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type ControllerConfig, type Logger, type QuarantineMode } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { DetectionService } from '../detection/detection.service';
import { DetectionStore } from '../detection/detection-store';
import { IncidentEventPublisher } from '../events/incident-event-publisher';
import { AlertEvidenceSinks } from '../intake/alerts/alert-evidence-sinks';
import { type AlertEvidence, type EvidenceSink } from '../intake/alerts/evidence-sink';
import { HostService } from '../inventory';
import { LeaderLease } from '../leadership/leader-lease';
import { type OpenStackClients } from '../platform/openstack-clients';
import { CONFIG, LOGGER, OPENSTACK } from '../platform/tokens';
import { decideQuarantine, type QuarantineDecision, nextLiveMigrations } from './decide';
import { type QuarantineAuditEntry, QuarantineStore, type StoredQuarantine } from './quarantine.store';

/** Nova's disabled reason of a quarantined host; cancel re-enables only a host disabled with it. */
export const QUARANTINE_REASON_PREFIX = 'vigil: quarantine';

/**
 * Degradation alerts → quarantine (the pure decision in decide.ts), and the mover: every
 * `pollIntervalMs` the leader live-migrates instances off draining hosts, at most
 * `liveMigrationsPerHost` in flight per host. Never fences, never disables more than the storm limits
 * of the host's segment allow at once.
 */
@Injectable()
export class QuarantineService implements EvidenceSink, OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private moving = false;
  /** Decisions one at a time in this process: an alert batch for a whole rack must be counted host by host. */
  private deciding: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OPENSTACK) private readonly openstack: OpenStackClients,
    private readonly store: QuarantineStore,
    private readonly sinks: AlertEvidenceSinks,
    private readonly detection: DetectionService,
    private readonly detectionStore: DetectionStore,
    private readonly hosts: HostService,
    private readonly lease: LeaderLease,
    private readonly events: IncidentEventPublisher,
  ) {}

  onModuleInit(): void {
    this.sinks.add(this);
    this.timer = setInterval(() => void this.moveOnce(), this.config.quarantine.pollIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async recordAlertEvidence(e: AlertEvidence): Promise<void> {
    if (e.kind !== 'degradation' || e.state !== 'firing') return;
    await this.consider(e.host, e.labels.alertname ?? e.source);
  }

  /**
   * A degradation signal about `host`: quarantine it, add to its quarantine, or say why not. One decision
   * at a time across every replica (the store's Redis lock), so a storm is counted host by host.
   */
  consider(host: string, signal: string): Promise<QuarantineDecision> {
    const next = this.deciding.then(() => this.store.exclusive(() => this.decide(host, signal)));
    this.deciding = next.catch(() => undefined);
    return next;
  }

  private async decide(host: string, signal: string): Promise<QuarantineDecision> {
    const records = await this.detectionStore.readRecords();
    const candidate = records.get(host);
    if (!candidate) {
      this.logger.info({ host, signal }, 'degradation signal about a host detection does not know; ignored');
      return { kind: 'skip', why: `${host} is not monitored` };
    }
    const segmentId = candidate.segmentUuid;
    const inventory = await this.hosts.findByNameWithSegment(host);
    const mode = this.modeOf(segmentId, inventory?.segment.name);
    const policy = await this.detection.policyOf(segmentId);
    const segmentSize = [...records.values()].filter(
      (r) => r.segmentUuid === segmentId && r.state !== 'maintenance',
    ).length;
    const active = await this.store.all();
    const decision = decideQuarantine({
      now: Date.now(),
      candidate: { host, segmentId, state: candidate.state, reserved: inventory?.host.reserved ?? false },
      mode,
      limits: policy.stormGuard,
      segmentSize,
      active,
    });
    switch (decision.kind) {
      case 'quarantine':
        await this.quarantine(host, segmentId, signal, decision.mode);
        break;
      case 'already': {
        const current = active.find((q) => q.host === host);
        if (current && !current.signals.includes(signal))
          await this.store.put({ ...current, signals: [...current.signals, signal] });
        break;
      }
      case 'limited':
        this.logger.warn({ host, signal, why: decision.why }, 'quarantine refused by the storm limits');
        this.events.publish({ type: 'quarantine.limited', host, data: { signal, why: decision.why } });
        break;
      case 'skip':
        this.logger.info({ host, signal, why: decision.why }, 'degradation signal: no quarantine');
        break;
    }
    return decision;
  }

  async list(): Promise<StoredQuarantine[]> {
    return (await this.store.all()).sort((a, b) => a.since - b.since);
  }

  /**
   * The operator ends a quarantine (audited: who, why, when): the mover stops, Nova re-enables the host
   * if Vigil disabled it. Under the quarantine lock, so no replica's decision interleaves.
   */
  cancel(host: string, by: { who: string; why: string }): Promise<StoredQuarantine> {
    return this.store.exclusive(async () => {
      const record = await this.store.get(host);
      if (!record) throw new VigilError(ErrorCode.NOT_FOUND, `Host ${host} is not in quarantine.`);
      await this.store.remove(host);
      await this.store.audit({
        at: new Date().toISOString(),
        action: 'cancel',
        host,
        who: by.who,
        why: by.why,
        signals: record.signals,
      });
      const nova = this.openstack.requireNova();
      const service = await nova.findComputeService(host);
      if (service?.status === 'disabled' && service.disabledReason?.startsWith(QUARANTINE_REASON_PREFIX))
        await nova.enableService(host);
      this.logger.warn({ host, who: by.who, why: by.why }, 'quarantine cancelled by an operator');
      this.events.publish({ type: 'host.quarantine-cancelled', host, data: { who: by.who, why: by.why } });
      return record;
    });
  }

  /** Operators' actions on quarantines, newest first. */
  auditLog(): Promise<QuarantineAuditEntry[]> {
    return this.store.auditLog();
  }

  /** One pass of the mover (the leader only): start live migrations off draining hosts. */
  async moveOnce(): Promise<void> {
    if (this.moving || !this.lease.isLeader) return;
    this.moving = true;
    try {
      const states = await this.detectionStore.readRecords();
      for (const record of await this.store.all()) {
        if (record.mode !== 'drain' || record.drainedAt !== undefined) continue;
        // A quarantined host that failed meanwhile belongs to failure handling (fence, evacuate).
        if (states.get(record.host)?.state !== 'up') continue;
        await this.drain(record).catch((err: unknown) =>
          this.logger.warn({ err, host: record.host }, 'quarantine mover: pass failed; next pass retries'),
        );
      }
    } catch (err) {
      // Called from a timer: a rejection here (Redis restarting) was unhandled and ended the process
      // (chaos soak: both replicas exited during a Redis restart).
      this.logger.warn({ err: String(err) }, 'quarantine mover: pass failed; next pass retries');
    } finally {
      this.moving = false;
    }
  }

  private async drain(record: StoredQuarantine): Promise<void> {
    const nova = this.openstack.requireNova();
    const servers = await nova.listServersOnHost(record.host);
    if (servers.length === 0) {
      // Re-read under the lock: a removal (cancel) or a new signal from any replica must not be undone.
      const drained = await this.store.exclusive(async () => {
        const current = await this.store.get(record.host);
        if (current) await this.store.put({ ...current, drainedAt: Date.now() });
        return current !== undefined;
      });
      if (!drained) return;
      this.logger.info({ host: record.host }, 'quarantined host drained: no instance left');
      this.events.publish({ type: 'host.drained', host: record.host, data: { signals: record.signals } });
      return;
    }
    const next = nextLiveMigrations(
      servers.map((s) => ({ id: s.id, vmState: s.vmState ?? 'unknown', taskState: s.taskState })),
      this.config.quarantine.liveMigrationsPerHost,
    );
    let started = 0;
    for (const id of next.start) {
      try {
        await nova.liveMigrate(id);
        started += 1;
      } catch (err) {
        this.logger.warn(
          { err, host: record.host, instanceId: id },
          'live migration refused; next pass retries',
        );
      }
    }
    if (started > 0)
      await this.store.exclusive(async () => {
        const current = await this.store.get(record.host);
        if (current)
          await this.store.put({
            ...current,
            liveMigrationsStarted: current.liveMigrationsStarted + started,
          });
      });
  }

  private async quarantine(
    host: string,
    segmentId: string,
    signal: string,
    mode: 'flag' | 'drain',
  ): Promise<void> {
    await this.store.put({
      host,
      segmentId,
      since: Date.now(),
      signals: [signal],
      mode,
      liveMigrationsStarted: 0,
    });
    try {
      await this.openstack.requireNova().disableService(
        host,
        // Nova takes 1–255 characters.
        `${QUARANTINE_REASON_PREFIX} (${signal}): degraded, ${mode === 'drain' ? 'draining' : 'no new instances'}`.slice(
          0,
          255,
        ),
      );
    } catch (err) {
      // Not disabled: no quarantine either, so Alertmanager's retry (the sink failure answers 503) tries again.
      await this.store.remove(host);
      throw err;
    }
    this.logger.warn({ host, signal, mode }, 'host quarantined: disabled for new instances, never fenced');
    this.events.publish({ type: 'host.quarantined', host, data: { signal, mode } });
    if (mode === 'drain') void this.moveOnce();
  }

  private modeOf(segmentId: string, segmentName: string | undefined): QuarantineMode {
    const perSegment = this.config.quarantine.segments;
    return (
      perSegment[segmentId] ??
      (segmentName === undefined ? undefined : perSegment[segmentName]) ??
      this.config.quarantine.mode
    );
  }
}
