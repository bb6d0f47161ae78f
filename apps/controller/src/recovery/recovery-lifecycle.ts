import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type Redis } from '@vigil/redis';
import { NotificationService } from '../inventory';
import { CONFIG, LOGGER } from '../platform/tokens';
import {
  CLOCK,
  INSTANCE_NETWORK,
  type InstanceNetwork,
  type Clock,
  COMPUTE_API,
  type ComputeApi,
  FENCING_TOKEN_SOURCE,
  type FencingTokenSource,
  HOST_FENCER,
  HOST_HEALTH,
  OUTSIDE_REPORT_JUDGE,
  type OutsideReportJudge,
  type HostFencer,
  type HostHealthView,
  INCIDENT_LEDGER,
  type IncidentLedger,
  SEGMENT_DIRECTORY,
  type SegmentDirectory,
} from './ports';
import { type IncidentEventType } from '../events/cloud-event';
import { IncidentEventPublisher } from '../events/incident-event-publisher';
import { VigilMetrics } from '../health/vigil-metrics';
import { type IncidentStepEvent } from './journal';
import { RecoveryRuntime } from './recovery-runtime';

/** Until the monitors' health view is wired, no host counts as healthy (reinstate is refused, safely). */
const NO_HEALTH: HostHealthView = {
  health: () => Promise.resolve({ healthy: false, missing: 'no host health source is wired' }),
};

export const RECOVERY_REDIS_FACTORY = Symbol('RECOVERY_REDIS_FACTORY');
export type RedisFactory = (role: 'command' | 'blocking') => Redis;

/**
 * Owns the recovery runtime's lifecycle: workers start after the app is up and hand their jobs back on
 * shutdown. Until every port is wired (the inventory, Nova and fencing adapters), recovery stays off and
 * says which ports are missing.
 */
@Injectable()
export class RecoveryLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly runtime: RecoveryRuntime | undefined;

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RECOVERY_REDIS_FACTORY) connect: RedisFactory,
    @Optional() @Inject(COMPUTE_API) compute?: ComputeApi,
    @Optional() @Inject(HOST_FENCER) fencer?: HostFencer,
    @Optional() @Inject(INCIDENT_LEDGER) ledger?: IncidentLedger,
    @Optional() @Inject(SEGMENT_DIRECTORY) directory?: SegmentDirectory,
    @Optional() @Inject(FENCING_TOKEN_SOURCE) tokens?: FencingTokenSource,
    @Optional() @Inject(HOST_HEALTH) health?: HostHealthView,
    @Optional() @Inject(OUTSIDE_REPORT_JUDGE) outsideReports?: OutsideReportJudge,
    @Optional() @Inject(CLOCK) clock?: Clock,
    @Optional() @Inject(INSTANCE_NETWORK) network?: InstanceNetwork,
    @Optional() notifications?: NotificationService,
    @Optional() events?: IncidentEventPublisher,
    @Optional() metrics?: VigilMetrics,
  ) {
    if (!config.recovery.enabled) {
      logger.warn(
        'recovery.enabled is false: notifications are recorded but nothing is fenced or evacuated (observe mode)',
      );
      return;
    }
    const missing = Object.entries({ compute, fencer, ledger, directory, tokens })
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    if (!compute || !fencer || !ledger || !directory || !tokens) {
      logger.warn({ missing }, 'recovery engine disabled: ports not wired');
      return;
    }
    if (!health) logger.warn('HOST_HEALTH not wired: reinstate and process re-enable wait for it');
    this.runtime = new RecoveryRuntime({
      config: config.recovery,
      keyPrefix: config.redis.keyPrefix,
      logger: logger.child({ component: 'recovery' }),
      connect,
      ports: {
        compute,
        fencer,
        ledger,
        directory,
        tokens,
        health: health ?? NO_HEALTH,
        ...(outsideReports ? { outsideReports } : {}),
        ...(network ? { network } : {}),
        clock,
      },
      onStep: events && ((step) => publishStep(events, step)),
    });
    const pacer = this.runtime.pacer;
    pacer.onDecision((e) => metrics?.pacingDecision(e.kind, e.decision.direction));
    metrics?.observePacing(() => pacer.snapshot().scopes.filter((s) => s.kind !== 'incident'));
    // Every stored notification starts its incident; Masakari's "new" ones only (ignored ones stay so).
    notifications?.onCreated(async (n) => {
      if (n.status === 'new') await this.submit(n.notification_uuid);
    });
  }

  /** Intake: starts recovery of a stored notification (idempotent). The notification service calls this. */
  async submit(notificationId: string): Promise<void> {
    if (!this.runtime) throw new VigilError(ErrorCode.UNAVAILABLE, 'The recovery engine is not running.');
    await this.runtime.engine.submit(notificationId);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runtime?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime?.close();
    this.logger.info('recovery workers stopped');
  }
}

/** Incident steps as CloudEvents for operators' tools (`events.webhooks`). */
function publishStep(events: IncidentEventPublisher, step: IncidentStepEvent): void {
  const type = eventTypeOf(step);
  if (!type) return;
  events.publish({
    type,
    host: step.host,
    incidentId: step.incidentId,
    data: { notificationType: step.type, phase: step.phase, status: step.status, reason: step.reason },
  });
}

function eventTypeOf(step: IncidentStepEvent): IncidentEventType | undefined {
  if (step.type !== 'COMPUTE_HOST') return undefined;
  switch (step.phase) {
    case 'received':
      return 'incident.opened';
    case 'fencing':
      return 'incident.fencing';
    case 'isolating':
      return 'incident.fenced';
    case 'planning':
      return undefined;
    case 'evacuating':
      return 'incident.evacuating';
    case 'finished':
      return 'incident.recovered';
    case 'ignored':
      return undefined;
    case 'error':
      return 'incident.error';
    case 'failed':
      return 'incident.failed';
  }
}
