import { type MigrationView } from '../ports';

/**
 * Evacuation migration statuses in which the source host no longer takes part (openstack-api.md §4.4):
 * `done` (rebuilt on the destination; the source's nova-compute completes it when it starts),
 * `completed` (source cleaned up), `error` (scheduling failed), `failed` (destination failed).
 * Evacuations go `accepted` → `pre-migrating` → `done` → `completed`; every other status, including
 * one this list does not know, counts as running: the guard errs on the side of waiting.
 */
const SETTLED_EVACUATION_STATUSES: ReadonlySet<string> = new Set([
  'done',
  'completed',
  'error',
  'failed',
  'cancelled',
]);

/** How many running migrations an answer names before it says "and N more". */
const NAMED_AT_MOST = 10;

/** Pure: the evacuations of a host that have not left their running states. */
export function runningEvacuations(migrations: readonly MigrationView[]): MigrationView[] {
  return migrations.filter((m) => !SETTLED_EVACUATION_STATUSES.has(m.status));
}

/** Pure: the refusal an operator reads, naming each migration still running (id, instance, status). */
export function describeRunningEvacuations(host: string, running: readonly MigrationView[]): string {
  const named = running
    .slice(0, NAMED_AT_MOST)
    .map((m) => `migration ${m.id} of instance ${m.instanceUuid} (${m.status}${destination(m)})`);
  const more = running.length > NAMED_AT_MOST ? `, and ${running.length - NAMED_AT_MOST} more` : '';
  const count = running.length === 1 ? '1 evacuation' : `${running.length} evacuations`;
  return `${count} from ${host} still running in Nova: ${named.join(', ')}${more}; re-enabling ${host} now could run a second copy of an instance`;
}

function destination(m: MigrationView): string {
  return m.destCompute ? ` to ${m.destCompute}` : '';
}

/**
 * What the operator stated about Nova's `[DEFAULT] resume_guests_state_on_host_boot` (a nova.conf
 * option of each compute that no Nova API exposes): the hosts and segments (name or uuid) where it is on.
 */
export interface ResumeGuestsStatement {
  hosts: readonly string[];
  segments: readonly string[];
}

/** Pure: the warning for a returning host whose nova-compute restarts its guests by itself, if any. */
export function resumeGuestsWarning(
  host: string,
  segment: { id: string; name: string } | undefined,
  stated: ResumeGuestsStatement,
): string | undefined {
  const byHost = stated.hosts.includes(host);
  const bySegment =
    segment !== undefined && stated.segments.some((s) => s === segment.id || s === segment.name);
  if (!byHost && !bySegment) return undefined;
  const where = byHost ? `host ${host}` : `segment ${segment?.name ?? ''}`;
  return (
    `resume_guests_state_on_host_boot is on for ${host} (stated for ${where} in recovery.resumeGuestsStateOnHostBoot): ` +
    `its nova-compute restarts the guests it still owns when it starts, before Vigil re-enables it. ` +
    `Check that none of them also runs elsewhere (an evacuation recorded as failed whose guest came up on the destination)`
  );
}
