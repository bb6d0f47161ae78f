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

/** Masakari-style `recovery_workflow_details`, one entry per host-recovery step, from the stored record. */
export function workflowDetails(
  incident: IncidentRecord,
  moves: readonly MoveRecord[],
  timeline: readonly TimelineEntry[],
): WorkflowDetail[] {
  if (incident.type !== 'COMPUTE_HOST') return [singleStep(incident, timeline)];
  const current =
    incident.phase === 'error' || incident.phase === 'failed' ? incident.resumePhase : incident.phase;
  const currentIdx = ORDER.indexOf(current ?? 'finished');
  const failed = incident.phase === 'error' || incident.phase === 'failed';
  return STEPS.map((step) => {
    const idx = ORDER.indexOf(step.phase);
    const entries = timeline.filter((t) => t.step === step.timelineStep);
    let state: WorkflowDetail['state'];
    if (incident.phase === 'ignored') state = 'SKIPPED';
    else if (idx < currentIdx) state = 'SUCCESS';
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
      progress_details: entries.map((e) => ({ timestamp: e.at, progress, message: e.message })),
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
    progress_details: timeline.map((e) => ({ timestamp: e.at, progress: done ? 1 : 0, message: e.message })),
  };
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
