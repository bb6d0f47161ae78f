import { type Logger, type RecoveryConfig } from '@vigil/config';
import { type IncidentJournal } from './journal';
import {
  type Clock,
  type ComputeApi,
  type FencingTokenSource,
  type HostFencer,
  type HostHealthView,
  type InstanceNetwork,
  type IncidentLedger,
  type OutsideReportJudge,
  type ReadinessProbe,
  type RecoveryObserver,
  type SegmentDirectory,
} from './ports';
import { type NovaPacer } from './pacing/nova-pacer';
import { type JobScheduler } from './queues/contracts';
import { type ConcurrencySlots } from './store/concurrency-slots';
import { type IncidentStore } from './store/incident-store';

/** The ports and stores a recovery service may use; each service takes only what it needs from here. */
export interface RecoveryDeps {
  config: RecoveryConfig;
  logger: Logger;
  clock: Clock;
  store: IncidentStore;
  slots: ConcurrencySlots;
  /** Adaptive concurrency and call budgets toward Nova (leader's memory). */
  pacer: NovaPacer;
  journal: IncidentJournal;
  scheduler: JobScheduler;
  compute: ComputeApi;
  fencer: HostFencer;
  ledger: IncidentLedger;
  directory: SegmentDirectory;
  tokens: FencingTokenSource;
  health: HostHealthView;
  observer: RecoveryObserver;
  /** Unwired: outside notifications are orders, as in Masakari. */
  outsideReports?: OutsideReportJudge;
  /** Readiness gates of restart tiers; TCP connects from this process when absent. */
  probe?: ReadinessProbe;
  /** Neutron, for the `ports-active` gate; without it such a gate waits out its timeout (and says why). */
  network?: InstanceNetwork;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The reason written on nova-compute when Vigil disables it; reconciliation recognises Vigil's own. */
export const DISABLED_REASON_PREFIX = 'vigil:';
export function disabledReason(incidentId: string, what: string): string {
  return `${DISABLED_REASON_PREFIX} incident=${incidentId} ${what}`.slice(0, 255);
}
export const LOCK_REASON_PREFIX = 'vigil: evacuating for incident';
