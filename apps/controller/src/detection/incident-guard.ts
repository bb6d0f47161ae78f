import { type Logger } from '@vigil/config';
import { type LeaderLease } from '../leadership/leader-lease';
import { type DetectionStore } from './detection-store';
import { type Verdict } from './model';
import { type IncidentOpener } from './ports';

const PENDING = 'pending|';

/**
 * Opens exactly one incident per (host, failure generation). A guard key is created with SET NX under
 * the fencing token before the opener is called, so a second replica (or a retry) finds it taken. A
 * guard left `pending` by a previous leader that died mid-call is taken over: the opener is
 * idempotent on (host, generation) by contract, so asking again cannot open a second incident.
 */
export async function openIncidentOnce(deps: {
  verdict: Verdict;
  lease: LeaderLease;
  store: DetectionStore;
  opener: IncidentOpener;
  logger: Logger;
}): Promise<string | undefined> {
  const { verdict, lease, store, opener, logger } = deps;
  const { host, generation } = verdict;
  const mine = `${PENDING}${lease.instanceId}`;
  const [created] = await lease.writeFenced([store.incidentGuardOp(host, generation, mine, 'setnx')]);
  if (created !== 1) {
    const existing = await store.readIncidentGuard(host, generation);
    if (existing && !existing.startsWith(PENDING)) return existing;
    if (existing === mine) return undefined;
    logger.warn(
      { host, generation, guard: existing },
      'taking over an incident opening left pending by a previous leader',
    );
    await lease.writeFenced([store.incidentGuardOp(host, generation, mine, 'set')]);
  }
  let incidentId: string;
  try {
    incidentId = await opener.openHostFailure(host, verdict);
  } catch (err) {
    // Free the guard so the next sweep asks again.
    await lease.writeFenced([store.incidentGuardDeleteOp(host, generation)]);
    throw err;
  }
  await lease.writeFenced([store.incidentGuardOp(host, generation, incidentId, 'set')]);
  return incidentId;
}
