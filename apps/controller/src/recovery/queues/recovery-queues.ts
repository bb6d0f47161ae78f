import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { type Logger, type RecoveryConfig } from '@vigil/config';
import { ErrorCode, isRetryable, VigilError } from '@vigil/contracts';
import { type Redis } from '@vigil/redis';
import { type Clock, isLeadershipLost } from '../ports';
import {
  JOB_QUEUE,
  jobIdOf,
  missingProcessors,
  type JobScheduler,
  RecoveryQueue,
  type RecoveryJobName,
  type RecoveryJobs,
  type StepResult,
} from './contracts';
import { parseJobData } from './payloads';

export type JobHandler<K extends RecoveryJobName> = (
  data: RecoveryJobs[K],
  signal: AbortSignal,
) => Promise<StepResult>;
export type JobHandlers = { [K in RecoveryJobName]: JobHandler<K> };
/** Called once a job has failed for good (retries exhausted or unrecoverable), so its incident never hangs. */
export type FinalFailureHandler = (name: RecoveryJobName, data: unknown, err: Error) => Promise<void>;

/** Retries of a job whose call failed with a retryable error (5xx, timeout, Redis blip), backoff doubling. */
const JOB_ATTEMPTS = 8;
/** Completed job ids are kept a day so a late duplicate enqueue stays a no-op. */
const KEEP_COMPLETED_S = 24 * 3600;
const KEEP_FAILED_S = 7 * 24 * 3600;
/** A job may stall (its worker died) this often before BullMQ gives up on it. */
const MAX_STALLED = 20;
const INCIDENT_WORKER_CONCURRENCY = 8;
/**
 * A job whose replica lost leadership mid-step is handed back for this long: the leader's workers run it
 * (a failed job would leave its incident running forever, found by the chaos soak: power-off + Redis restart).
 */
const LEADERSHIP_LOST_RETRY_MS = 500;
/** BullMQ's largest priority (2^21). */
const MAX_PRIORITY = 2_097_152;

/** The only place recovery touches BullMQ: queues, workers, the processor adapter, and shutdown. */
export class RecoveryQueues implements JobScheduler {
  private readonly queues = new Map<RecoveryQueue, Queue>();
  private readonly workers: Worker[] = [];
  private readonly shutdown = new AbortController();
  private handlers: JobHandlers | undefined;

  constructor(
    private readonly connect: () => Redis,
    private readonly keyPrefix: string,
    private readonly config: RecoveryConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    for (const name of Object.values(RecoveryQueue))
      this.queues.set(name, new Queue(name, { connection: this.connect(), prefix: this.prefix() }));
  }

  private prefix(): string {
    return this.keyPrefix.replace(/:+$/, '') || 'vigil';
  }

  /** Starts the workers. Throws when a job name has no handler: a job nobody processes would hang an incident. */
  start(
    handlers: Partial<JobHandlers>,
    onFinalFailure: FinalFailureHandler,
    options: { run?: boolean } = {},
  ): void {
    const missing = missingProcessors(handlers);
    if (missing.length > 0)
      throw new VigilError(ErrorCode.INTERNAL, `recovery jobs without a processor: ${missing.join(', ')}`);
    this.handlers = handlers as JobHandlers;
    const common = {
      autorun: options.run ?? true,
      prefix: this.prefix(),
      lockDuration: this.config.jobLockMs,
      stalledInterval: this.config.jobLockMs,
      maxStalledCount: MAX_STALLED,
    };
    const evacuations = new Worker(RecoveryQueue.Evacuations, (job, token) => this.process(job, token), {
      ...common,
      connection: this.connect(),
      // The upper bound: pacing (slots) admits fewer moves while Nova struggles, and spaces the
      // evacuate calls themselves (novaRateMax): a limiter here would also count moves waiting for a slot.
      concurrency: this.config.globalConcurrency,
    });
    const incidents = new Worker(RecoveryQueue.Incidents, (job, token) => this.process(job, token), {
      ...common,
      connection: this.connect(),
      concurrency: INCIDENT_WORKER_CONCURRENCY,
    });
    for (const worker of [evacuations, incidents]) {
      worker.on('failed', (job, err) => {
        if (!job) return;
        const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
        if (!final) return;
        onFinalFailure(job.name as RecoveryJobName, job.data, err).catch((e: unknown) =>
          this.logger.error({ err: String(e), job: job.id }, 'could not record a failed recovery job'),
        );
      });
      worker.on('error', (err) => this.logger.warn({ err: err.message }, 'recovery worker error'));
      this.workers.push(worker);
    }
  }

  /**
   * Starts (or resumes) fetching jobs: this replica leads. Idempotent, so the periodic reconciliation
   * calls it too. A paused worker must be resumed, never run(): its main loop ends once its last active
   * job settles while paused, and run() on a worker still marked paused returns at once, fetching
   * nothing (chaos soak, seeds 367834535 and 4206661411: leadership lapsed during a Redis restart with
   * moves in flight; the leader came back with workers that never fetched again). resume() clears the
   * mark and restarts the loop whether it ended or not.
   */
  async runWorkers(): Promise<void> {
    for (const w of this.workers) {
      if (w.isPaused()) await w.resume();
      // run() resolves only when the worker closes: watched, not awaited.
      else if (!w.isRunning())
        w.run().catch((err: unknown) => this.logger.error({ err: String(err) }, 'recovery worker stopped'));
    }
  }

  /** Whether every worker fetches (running, not paused): what a leader's workers must be. */
  get fetching(): boolean {
    return this.workers.every((w) => w.isRunning() && !w.isPaused());
  }

  /** Whether no worker loop runs at all (each stopped, or ended while paused). */
  get idle(): boolean {
    return this.workers.every((w) => !w.isRunning());
  }

  /** Stops fetching new jobs without waiting for running ones: leadership was lost (their writes fail fenced). */
  async pauseWorkers(): Promise<void> {
    await Promise.all(this.workers.filter((w) => w.isRunning() && !w.isPaused()).map((w) => w.pause(true)));
  }

  async enqueue<K extends RecoveryJobName>(
    name: K,
    data: RecoveryJobs[K],
    options: { delayMs?: number; priority?: number } = {},
  ): Promise<void> {
    const queue = this.queues.get(JOB_QUEUE[name]);
    if (!queue) throw new VigilError(ErrorCode.INTERNAL, `no queue for ${name}`);
    const jobId = jobIdOf(name, data);
    await queue.add(name, data, {
      jobId,
      delay: options.delayMs,
      ...(options.priority === undefined
        ? {}
        : { priority: Math.min(Math.max(1, options.priority), MAX_PRIORITY) }),
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: Math.max(this.config.novaRetryDelayMs, 1) },
      removeOnComplete: { age: KEEP_COMPLETED_S },
      removeOnFail: { age: KEEP_FAILED_S },
    });
    if (!options.delayMs) {
      // The same work was already scheduled for later (Masakari's periodic retry): run it now instead.
      const existing = await queue.getJob(jobId);
      if (existing && (await existing.isDelayed())) await existing.promote().catch(() => undefined);
    }
  }

  /** Removes a finished job kept under the same id, then enqueues: reconciliation's way to re-run work. */
  async requeue(name: RecoveryJobName, data: Record<string, unknown>): Promise<void> {
    const queue = this.queues.get(JOB_QUEUE[name]);
    const id = jobIdOf(name, data as never);
    const old = await queue?.getJob(id);
    if (old && ((await old.isCompleted()) || (await old.isFailed()))) await old.remove();
    await this.enqueue(name, data as never);
  }

  /** Jobs not started per queue (waiting, prioritized and delayed): `vigil_queue_depth`. */
  async depths(): Promise<Record<RecoveryQueue, number>> {
    const out = {} as Record<RecoveryQueue, number>;
    for (const [name, queue] of this.queues) {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
      out[name] = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    }
    return out;
  }

  /**
   * Per queue, how long its oldest job ready to run (waiting or prioritized, not delayed) has been
   * ready, in ms; 0 when none is. Ready since: added, its delay over, or its last attempt started.
   */
  async oldestReadyMs(): Promise<Record<RecoveryQueue, number>> {
    const out = {} as Record<RecoveryQueue, number>;
    const now = this.clock.now();
    for (const [name, queue] of this.queues) {
      const oldest = await queue.getJobs(['waiting', 'prioritized'], 0, 0, true);
      out[name] = Math.max(
        0,
        ...oldest
          .filter((job): job is Job => job !== undefined)
          .map((job) => now - Math.max(job.timestamp + (job.delay || 0), job.processedOn ?? 0)),
      );
    }
    return out;
  }

  /** Payloads of jobs not yet finished (waiting, delayed, active), for startup reconciliation. */
  async pendingJobs(): Promise<{ name: RecoveryJobName; data: unknown }[]> {
    const out: { name: RecoveryJobName; data: unknown }[] = [];
    for (const queue of this.queues.values()) {
      const jobs = await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized']);
      for (const job of jobs) if (job) out.push({ name: job.name as RecoveryJobName, data: job.data });
    }
    return out;
  }

  /**
   * Graceful: handlers see the abort signal and hand their job back (delayed) at the next safe point.
   * `force` stops at once without waiting for running jobs; their locks expire and another worker
   * takes them over (what a crash looks like).
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    if (!options.force) this.shutdown.abort();
    await Promise.all(this.workers.map((w) => w.close(options.force)));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  private async process(job: Job, token: string | undefined): Promise<void> {
    const name = job.name as RecoveryJobName;
    const handler = this.handlers?.[name] as JobHandler<RecoveryJobName> | undefined;
    if (!handler) throw new UnrecoverableError(`no processor for job ${job.name}`);
    let result: StepResult;
    try {
      result = await handler(parseJobData(name, job.data), this.shutdown.signal);
    } catch (err) {
      if (isLeadershipLost(err))
        result = { kind: 'later', afterMs: LEADERSHIP_LOST_RETRY_MS, why: 'leadership moved' };
      else if (isRetryable(err)) throw err;
      else {
        const message = err instanceof Error ? err.message : String(err);
        this.logger.error({ job: job.id, err: message }, 'recovery job failed; not retried');
        throw new UnrecoverableError(message);
      }
    }
    if (result.kind === 'later') {
      // Handing the job back keeps its id, so nothing can start the same work twice meanwhile.
      await job.moveToDelayed(this.clock.now() + result.afterMs, token);
      throw new DelayedError(result.why);
    }
  }
}
