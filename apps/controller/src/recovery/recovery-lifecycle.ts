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
import { type QueueHealth, type QueueHealthReport } from '../health/readiness-ports';
import { type IncidentStepEvent } from './journal';
import { RecoveryRuntime } from './recovery-runtime';

export const RECOVERY_REDIS_FACTORY = Symbol('RECOVERY_REDIS_FACTORY');
export type RedisFactory = (role: 'command' | 'blocking') => Redis;

/** `vigil_incidents` counts the most recent incidents only: enough to hold every running one. */
const INCIDENTS_COUNTED = 500;
const RUNNING: ReadonlySet<string> = new Set(['new', 'running', 'error']);

/**
 * Owns the recovery runtime's lifecycle: workers start after the app is up and hand their jobs back on
 * shutdown. Every port is required (a missing one fails the boot, naming it); `recovery.enabled: false`
 * is the one way to run without the engine (observe mode).
 */
@Injectable()
export class RecoveryLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly runtime: RecoveryRuntime | undefined;
  private readonly stallMs: number;

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RECOVERY_REDIS_FACTORY) connect: RedisFactory,
    @Inject(COMPUTE_API) compute: ComputeApi,
    @Inject(HOST_FENCER) fencer: HostFencer,
    @Inject(INCIDENT_LEDGER) ledger: IncidentLedger,
    @Inject(SEGMENT_DIRECTORY) directory: SegmentDirectory,
    @Inject(FENCING_TOKEN_SOURCE) tokens: FencingTokenSource,
    @Inject(HOST_HEALTH) health: HostHealthView,
    @Inject(OUTSIDE_REPORT_JUDGE) outsideReports: OutsideReportJudge,
    private readonly notifications: NotificationService,
    private readonly events: IncidentEventPublisher,
    private readonly metrics: VigilMetrics,
    // The one optional port: a test's clock; production runs on the system clock.
    @Optional() @Inject(CLOCK) clock?: Clock,
    // Neutron is optional in a cloud: without it a `ports-active` tier gate waits out its timeout and says why.
    @Optional() @Inject(INSTANCE_NETWORK) network?: InstanceNetwork,
  ) {
    this.stallMs = config.health.queueStallMs;
    if (!config.recovery.enabled) {
      logger.warn(
        'recovery.enabled is false: notifications are recorded but nothing is fenced or evacuated (observe mode)',
      );
      return;
    }
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
        health,
        outsideReports,
        ...(network ? { network } : {}),
        observer: {
          evacuationSettled: (result, seconds) => metrics.evacuation(result, seconds),
          hostReinstated: (host, requestId) =>
            events.publish({ type: 'host.reinstated', host, data: { requestId } }),
        },
        clock,
      },
      onStep: (step) => publishStep(events, step),
    });
  }

  /** Intake: starts recovery of a stored notification (idempotent). The notification service calls this. */
  async submit(notificationId: string): Promise<void> {
    if (!this.runtime) throw new VigilError(ErrorCode.UNAVAILABLE, 'The recovery engine is not running.');
    await this.runtime.engine.submit(notificationId);
  }

  /** Readiness: the queues answer and none has a job ready to run for longer than `health.queueStallMs`. */
  readonly queueHealth: QueueHealth = {
    check: async (): Promise<QueueHealthReport> => {
      const runtime = this.runtime;
      if (!runtime) return { ok: true, detail: 'recovery.enabled is false (observe mode): no queues' };
      const [ready, depths] = await Promise.all([runtime.queues.oldestReadyMs(), runtime.queues.depths()]);
      const stuck = Object.entries(ready).filter(([, ms]) => ms > this.stallMs);
      const summary = Object.entries(depths)
        .map(([queue, depth]) => `${queue} ${depth} waiting`)
        .join(', ');
      if (stuck.length === 0) return { ok: true, detail: summary };
      return {
        ok: false,
        detail: stuck
          .map(([queue, ms]) => `${queue}: oldest ready job ${Math.round(ms / 1000)} s old`)
          .join(', '),
      };
    },
  };

  async onApplicationBootstrap(): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) return;
    const pacer = runtime.pacer;
    pacer.onDecision((e) => this.metrics.pacingDecision(e.kind, e.decision.direction));
    this.metrics.observePacing(() => pacer.snapshot().scopes.filter((s) => s.kind !== 'incident'));
    this.metrics.observeQueueDepths('recovery', () => runtime.queues.depths());
    this.metrics.observeIncidents(() => incidentReading(runtime, Date.now()));
    // Every stored notification starts its incident; Masakari's "new" ones only (ignored ones stay so).
    this.notifications.onCreated(async (n) => {
      if (n.status === 'new') await this.submit(n.notification_uuid);
    });
    await runtime.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime?.close();
    this.logger.info('recovery workers stopped');
  }
}

/** Incidents by status and the age of the oldest still running (`new`, `running`, `error`), in seconds. */
async function incidentReading(
  runtime: RecoveryRuntime,
  nowMs: number,
): Promise<{ byStatus: Record<string, number>; oldestRunningAgeSeconds: number }> {
  const byStatus: Record<string, number> = {};
  let oldest = nowMs;
  for (const incident of await runtime.store.list(INCIDENTS_COUNTED)) {
    byStatus[incident.status] = (byStatus[incident.status] ?? 0) + 1;
    if (RUNNING.has(incident.status)) oldest = Math.min(oldest, Date.parse(incident.createdAt) || nowMs);
  }
  return { byStatus, oldestRunningAgeSeconds: (nowMs - oldest) / 1000 };
}

/** Incident steps as CloudEvents for operators' tools (`events.webhooks`). */
function publishStep(events: IncidentEventPublisher, step: IncidentStepEvent): void {
  const data = { notificationType: step.type, phase: step.phase, status: step.status, reason: step.reason };
  const type = eventTypeOf(step);
  if (type) events.publish({ type, host: step.host, incidentId: step.incidentId, data });
  // A fencing failure stops the incident before anything moves: operators act on it (confirm-fenced).
  if (
    step.type === 'COMPUTE_HOST' &&
    (step.phase === 'error' || step.phase === 'failed') &&
    step.resumePhase === 'fencing'
  )
    events.publish({ type: 'incident.fencing-failed', host: step.host, incidentId: step.incidentId, data });
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
