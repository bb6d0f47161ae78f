import { type Logger, type RecoveryConfig } from '@vigil/config';
import { isRetryable } from '@vigil/contracts';
import { type Redis } from '@vigil/redis';
import { EvacuationService } from './evacuation.service';
import { HostRecoveryService } from './host-recovery.service';
import { InstanceRecoveryService } from './instance-recovery.service';
import { IncidentJournal, type IncidentStepEvent } from './journal';
import {
  type Clock,
  type ComputeApi,
  type FencingTokenSource,
  type HostFencer,
  type HostHealthView,
  type IncidentLedger,
  type InstanceNetwork,
  type OutsideReportJudge,
  type RecoveryObserver,
  type SegmentDirectory,
  systemClock,
} from './ports';
import { NovaPacer } from './pacing/nova-pacer';
import { PlanStep } from './planning/plan-step';
import { ProcessRecoveryService } from './process-recovery.service';
import { RecoveryQueues } from './queues/recovery-queues';
import { type ReconcileReport, Reconciler } from './reconciler';
import { RecoveryEngine } from './recovery-engine';
import { errorMessage, type RecoveryDeps } from './recovery-deps';
import { ReinstateService } from './reinstate.service';
import { ConcurrencySlots } from './store/concurrency-slots';
import { IncidentStore } from './store/incident-store';

/** Startup reconciliation retries while Redis connections come up: 50 ms doubling to 2 s, 12 attempts. */
const RECONCILE_ATTEMPTS = 12;
const RECONCILE_BACKOFF_MS = 50;
const RECONCILE_BACKOFF_MAX_MS = 2000;

/** The ports recovery acts through; the lead wires them to NovaClient, the fencing drivers and the inventory. */
export interface RecoveryPorts {
  compute: ComputeApi;
  fencer: HostFencer;
  ledger: IncidentLedger;
  directory: SegmentDirectory;
  tokens: FencingTokenSource;
  health: HostHealthView;
  observer: RecoveryObserver;
  outsideReports?: OutsideReportJudge;
  clock?: Clock;
  /** Neutron, for restart tiers' `ports-active` gate. */
  network?: InstanceNetwork;
}

export interface RecoveryRuntimeOptions {
  config: RecoveryConfig;
  /** `redis.keyPrefix`: prefixes recovery's keys and BullMQ's. */
  keyPrefix: string;
  logger: Logger;
  /** A new Redis client per call (BullMQ needs its own blocking connections); see RedisConnection.client. */
  connect: (role: 'command' | 'blocking') => Redis;
  ports: RecoveryPorts;
  /** Told of every phase or status change of an incident (outbound events); must not throw. */
  onStep?: (event: IncidentStepEvent) => void;
}

/** Builds the recovery engine with its stores and queues; `start()` runs workers and reconciliation. */
export class RecoveryRuntime {
  readonly engine: RecoveryEngine;
  readonly queues: RecoveryQueues;
  readonly store: IncidentStore;
  readonly pacer: NovaPacer;
  private readonly reconciler: Reconciler;
  private readonly tokens: FencingTokenSource;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private started = false;
  private closed = false;
  private passTimer: NodeJS.Timeout | undefined;
  private readonly reconcileIntervalMs: number;

  constructor(options: RecoveryRuntimeOptions) {
    const clock = options.ports.clock ?? systemClock;
    this.clock = clock;
    const command = options.connect('command');
    const store = new IncidentStore(command, options.keyPrefix);
    const queues = new RecoveryQueues(
      () => options.connect('blocking'),
      options.keyPrefix,
      options.config,
      clock,
      options.logger,
    );
    this.pacer = new NovaPacer(options.config, clock);
    const deps: RecoveryDeps = {
      ...options.ports,
      config: options.config,
      logger: options.logger,
      clock,
      store,
      slots: new ConcurrencySlots(command, options.keyPrefix),
      pacer: this.pacer,
      journal: new IncidentJournal(store, options.ports.ledger, clock, options.logger, options.onStep),
      scheduler: queues,
    };
    const planning = new PlanStep(deps);
    const host = new HostRecoveryService(deps, planning);
    this.engine = new RecoveryEngine(
      deps,
      host,
      new EvacuationService(deps, host, planning),
      new InstanceRecoveryService(deps),
      new ProcessRecoveryService(deps),
      new ReinstateService(deps),
      planning,
    );
    this.queues = queues;
    this.store = store;
    this.reconciler = new Reconciler(deps, queues, (id) => this.engine.submit(id));
    this.tokens = options.ports.tokens;
    this.logger = options.logger;
    this.reconcileIntervalMs = options.config.reconcileIntervalMs;
  }

  /**
   * Starts the workers and reconciles. With a leadership-aware token source, workers run only while this
   * replica leads, and every gain of leadership reconciles again.
   */
  async start(): Promise<ReconcileReport | undefined> {
    const tokens = this.tokens;
    const leaderAware = tokens.onChange !== undefined;
    this.queues.start(this.engine.handlers(), this.engine.onFinalFailure, { run: !leaderAware });
    this.started = true;
    this.schedulePass();
    if (!leaderAware) return this.reconcile();
    tokens.onChange?.((leading) => {
      const change = leading
        ? this.queues.runWorkers().then(() => this.reconcile())
        : this.queues.pauseWorkers();
      change.catch((err: unknown) =>
        this.logger.error({ err: String(err), leading }, 'recovery leadership change failed'),
      );
    });
    if (tokens.isLeader?.()) {
      await this.queues.runWorkers();
      return this.reconcile();
    }
    return undefined;
  }

  /**
   * Reconciliation never fails the boot: connections may still be coming up, so retryable errors are
   * retried with a capped backoff, then logged.
   */
  private async reconcile(): Promise<ReconcileReport | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.reconciler.run();
      } catch (err) {
        if (!isRetryable(err) || attempt >= RECONCILE_ATTEMPTS) {
          this.logger.error(
            { err: errorMessage(err) },
            'startup reconciliation failed; incidents resume on the next leadership change or retry',
          );
          return undefined;
        }
        await this.clock.delay(Math.min(RECONCILE_BACKOFF_MS * 2 ** (attempt - 1), RECONCILE_BACKOFF_MAX_MS));
      }
    }
  }

  /**
   * The leader's periodic pass. Leadership changes and Redis restarts are edges a replica can miss or
   * half-handle (a gain while Redis was still down, a worker whose loop ended while paused): the pass is
   * level-triggered instead. On the leader it makes every worker fetch, then reconciles once; a failure
   * waits for the next pass.
   */
  private schedulePass(): void {
    if (this.closed) return;
    this.passTimer = setTimeout(() => {
      this.periodicPass()
        .catch((err: unknown) =>
          this.logger.warn(
            { err: errorMessage(err) },
            'periodic recovery reconciliation failed; retried next pass',
          ),
        )
        .finally(() => this.schedulePass());
    }, this.reconcileIntervalMs);
    this.passTimer.unref();
  }

  private async periodicPass(): Promise<void> {
    if (this.closed || !(this.tokens.isLeader?.() ?? true)) return;
    if (!this.queues.fetching) {
      this.logger.warn('recovery workers were not fetching on the leader: resumed');
      await this.queues.runWorkers();
    }
    await this.reconciler.run({ periodic: true });
  }

  /** Graceful: in-flight jobs reach a safe point and are handed back (delayed) or finish. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.passTimer);
    if (this.started) await this.queues.close();
  }
}
