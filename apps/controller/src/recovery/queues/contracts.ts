/** Every recovery queue. BullMQ keys live under `<redis.keyPrefix>` so deployments can share a Redis. */
export enum RecoveryQueue {
  /** One job per incident run: fence → isolate → plan → enqueue moves; VM and PROCESS flows; reinstate. */
  Incidents = 'recovery-incidents',
  /** One job per instance move (evacuate → confirm), rate-limited toward Nova. */
  Evacuations = 'recovery-evacuations',
}

/** Job name → payload. Processors are typed from this map; boot fails if a name has no processor. */
export interface RecoveryJobs {
  'host.recover': { incidentId: string; round: number };
  'instance.recover': { incidentId: string; round: number };
  'process.recover': { incidentId: string; round: number };
  /** Re-enables nova-compute once the host reports healthy again after a process failure. */
  'process.reenable': { incidentId: string };
  'host.reinstate': { host: string; requestId: string };
  'instance.evacuate': { incidentId: string; instanceId: string; round: number };
  /** Waits for restart tier `tier` to be ready (or its timeout), then starts the next tier's moves. */
  'host.tier-gate': { incidentId: string; round: number; tier: number };
}
export type RecoveryJobName = keyof RecoveryJobs;

export const JOB_QUEUE: { readonly [K in RecoveryJobName]: RecoveryQueue } = {
  'host.recover': RecoveryQueue.Incidents,
  'instance.recover': RecoveryQueue.Incidents,
  'process.recover': RecoveryQueue.Incidents,
  'process.reenable': RecoveryQueue.Incidents,
  'host.reinstate': RecoveryQueue.Incidents,
  'instance.evacuate': RecoveryQueue.Evacuations,
  'host.tier-gate': RecoveryQueue.Incidents,
};

export const JOB_NAMES = Object.keys(JOB_QUEUE) as RecoveryJobName[];

/**
 * Deterministic job ids: a second enqueue of the same work (a retry, a restarted engine, another
 * replica) is a no-op in BullMQ. BullMQ ids may not contain ':' nor be plain integers.
 */
export function jobIdOf<K extends RecoveryJobName>(name: K, data: RecoveryJobs[K]): string {
  const d = data as Partial<Record<string, string | number>>;
  const part = (k: string): string => String(d[k] ?? '').replace(/:/g, '_');
  switch (name) {
    case 'host.recover':
    case 'instance.recover':
    case 'process.recover':
      return `${name.replace('.', '-')}-${part('incidentId')}-r${part('round')}`;
    case 'process.reenable':
      return `process-reenable-${part('incidentId')}`;
    case 'host.reinstate':
      return `host-reinstate-${part('host')}-${part('requestId')}`;
    case 'instance.evacuate':
      return `evacuate-${part('incidentId')}-${part('instanceId')}-r${part('round')}`;
    case 'host.tier-gate':
      return `tier-gate-${part('incidentId')}-r${part('round')}-t${part('tier')}`;
  }
  throw new Error(`no job id rule for ${String(name)}`);
}

/** What a service tells its processor: done, or "hand the job back and run it again after ms". */
export type StepResult = { kind: 'done' } | { kind: 'later'; afterMs: number; why: string };
export const DONE: StepResult = { kind: 'done' };

/** How services enqueue follow-up work without knowing BullMQ. */
export interface JobScheduler {
  enqueue<K extends RecoveryJobName>(
    name: K,
    data: RecoveryJobs[K],
    /** priority: 1 = first (BullMQ's order; a job handed back keeps its place among waiting ones). */
    options?: { delayMs?: number; priority?: number },
  ): Promise<void>;
}
export const JOB_SCHEDULER = Symbol('RECOVERY_JOB_SCHEDULER');

/** Job names without a handler; boot refuses to start recovery while any is missing. */
export function missingProcessors(handlers: Partial<Record<RecoveryJobName, unknown>>): RecoveryJobName[] {
  return JOB_NAMES.filter((n) => handlers[n] === undefined);
}
