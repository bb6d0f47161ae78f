import { createHash } from 'node:crypto';
import { type IncidentRecord, type MoveRecord, type TimelineEntry } from '../model';
import { type VmoveView, type WorkflowDetail } from '../ports';
import { type IncidentPhase, type MoveStatus } from './state-machine';

const STEPS: { name: string; phase: IncidentPhase; timelineStep: string }[] = [
  { name: 'FenceHostTask', phase: 'fencing', timelineStep: 'fence' },
  { name: 'IsolateHostTask', phase: 'isolating', timelineStep: 'isolate' },
  { name: 'PlanEvacuationTask', phase: 'planning', timelineStep: 'plan' },
  { name: 'EvacuateInstancesTask', phase: 'evacuating', timelineStep: 'evacuate' },
];
const ORDER: IncidentPhase[] = ['received', 'fencing', 'isolating', 'planning', 'evacuating', 'finished'];

/**
 * Masakari-style `recovery_workflow_details`, one entry per host-recovery step, from the stored record.
 * As Masakari (python-masakariclient prints these): an ignored notification, and one that failed before
 * any step ran, have `[]`; `progress_details[].progress` is a string and `timestamp` is
 * `YYYY-MM-DD hh:mm:ss.ffffff` (UTC, no zone).
 */
export function workflowDetails(
  incident: IncidentRecord,
  moves: readonly MoveRecord[],
  timeline: readonly TimelineEntry[],
): WorkflowDetail[] {
  if (incident.phase === 'ignored') return [];
  if (incident.type !== 'COMPUTE_HOST') {
    const failed = incident.phase === 'error' || incident.phase === 'failed';
    return failed && timeline.length === 0 ? [] : [singleStep(incident, timeline)];
  }
  const current =
    incident.phase === 'error' || incident.phase === 'failed' ? incident.resumePhase : incident.phase;
  const currentIdx = ORDER.indexOf(current ?? 'finished');
  const failed = incident.phase === 'error' || incident.phase === 'failed';
  return STEPS.map((step) => {
    const idx = ORDER.indexOf(step.phase);
    const entries = timeline.filter((t) => t.step === step.timelineStep);
    let state: WorkflowDetail['state'];
    if (idx < currentIdx) state = 'SUCCESS';
    else if (idx === currentIdx) state = failed ? 'FAILURE' : 'RUNNING';
    else state = 'PENDING';
    let progress = state === 'SUCCESS' ? 1 : 0;
    if (step.phase === 'evacuating' && moves.length > 0) {
      const planned = moves.filter((m) => m.status !== 'skipped');
      const settled = planned.filter((m) => m.status !== 'planned' && m.status !== 'moving').length;
      progress = planned.length === 0 ? 1 : settled / planned.length;
    }
    return {
      name: step.name,
      state,
      progress: Math.round(progress * 100) / 100,
      progress_details: entries.map((e) => progressDetail(e, progress)),
    };
  });
}

function singleStep(incident: IncidentRecord, timeline: readonly TimelineEntry[]): WorkflowDetail {
  const done = incident.phase === 'finished';
  return {
    name: incident.type === 'VM' ? 'InstanceRecoveryTask' : 'ProcessRecoveryTask',
    state: done
      ? 'SUCCESS'
      : incident.phase === 'error' || incident.phase === 'failed'
        ? 'FAILURE'
        : 'RUNNING',
    progress: done ? 1 : 0,
    progress_details: timeline.map((e) => progressDetail(e, done ? 1 : 0)),
  };
}

function progressDetail(e: TimelineEntry, progress: number): WorkflowDetail['progress_details'][number] {
  return { timestamp: masakariTimestamp(e.at), progress: pythonFloat(progress), message: e.message };
}

/** `2026-12-05T21:30:01.123Z` → `2026-12-05 21:30:01.123000`, as Masakari's taskflow details. */
export function masakariTimestamp(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(iso);
  return m ? `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}` : iso;
}

/** Python's `str(float)`: 1 → "1.0", 0.5 → "0.5". */
function pythonFloat(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  return Number.isInteger(rounded) ? rounded.toFixed(1) : String(rounded);
}

function vmoveStatus(status: MoveStatus): VmoveView['status'] {
  switch (status) {
    case 'planned':
      return 'pending';
    case 'moving':
      return 'ongoing';
    case 'succeeded':
      return 'succeeded';
    case 'failed':
    case 'blocked':
      return 'failed';
    case 'aborted':
    case 'skipped':
      return 'ignored';
  }
}

/** A stable UUID for a move, so a vmove keeps its id across restarts. */
export function vmoveUuid(incidentId: string, instanceId: string): string {
  const h = createHash('sha1').update(`${incidentId}/${instanceId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function toVmoves(incidentId: string, moves: readonly MoveRecord[]): VmoveView[] {
  return moves.map((m) => ({
    uuid: vmoveUuid(incidentId, m.instanceId),
    instance_uuid: m.instanceId,
    instance_name: m.instanceName,
    source_host: m.sourceHost,
    dest_host: m.destHost,
    start_time: m.startedAt,
    end_time: m.endedAt,
    type: 'evacuation',
    status: vmoveStatus(m.status),
    message: m.message,
  }));
}
