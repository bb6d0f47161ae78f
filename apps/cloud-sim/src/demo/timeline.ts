import { type HostStateView, type NotificationView, type VmoveView } from './controller-api';

/** One step of an incident as the demo prints it. */
export interface TimelineLine {
  /** Identifies the step, so polling again never prints it twice. */
  key: string;
  atMs: number;
  text: string;
}

/** What one poll of the controller's API showed about the failed host and its incident. */
export interface IncidentSnapshot {
  host: string;
  hostState?: HostStateView;
  notification?: NotificationView;
  vmoves: readonly VmoveView[];
}

const TASK_LABELS: Record<string, string> = {
  FenceHostTask: 'fenced',
  IsolateHostTask: 'isolated',
  PlanEvacuationTask: 'planned',
};
/** Its per-instance messages name no instance; the vmoves tell the same story per instance. */
const SHOWN_BY_VMOVES = 'EvacuateInstancesTask';

const DETECTION_LABELS: Record<string, string> = {
  suspect: 'detected',
  failed: 'confirmed',
  fenced: 'fenced',
  recovering: 'recovering',
  maintenance: 'maintenance',
  'isolated-from-controller': 'isolated from controller',
};

export const toMs = (t: string | number | null | undefined): number | undefined => {
  if (t === null || t === undefined) return undefined;
  if (typeof t === 'number') return t;
  // Masakari times carry no zone but are UTC.
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
  return Number.isNaN(ms) ? undefined : ms;
};

/** Every step the snapshot shows, oldest first. Pure: the printer keeps what it already printed. */
export function timelineLines(s: IncidentSnapshot): TimelineLine[] {
  const lines: TimelineLine[] = [];
  for (const e of s.hostState?.timeline ?? []) {
    const label = DETECTION_LABELS[e.to] ?? `${e.from} -> ${e.to}`;
    lines.push({
      key: `detection:${e.at}:${e.to}`,
      atMs: e.at,
      text: `${label.padEnd(10)} ${s.host}: ${e.reason}`,
    });
  }
  const n = s.notification;
  if (n) {
    const created = toMs(n.created_at);
    if (created !== undefined)
      lines.push({
        key: `notification:${n.notification_uuid}`,
        atMs: created,
        text: `${'incident'.padEnd(10)} notification ${n.notification_uuid} (${n.type}) opened`,
      });
    for (const step of n.recovery_workflow_details ?? [])
      for (const p of step.name === SHOWN_BY_VMOVES ? [] : step.progress_details) {
        const at = toMs(p.timestamp);
        if (at === undefined) continue;
        const label = TASK_LABELS[step.name] ?? step.name;
        lines.push({
          key: `step:${step.name}:${at}:${p.message}`,
          atMs: at,
          text: `${label.padEnd(10)} ${p.message}`,
        });
      }
    const updated = toMs(n.updated_at);
    if (['finished', 'error', 'failed'].includes(n.status) && updated !== undefined)
      lines.push({
        key: `status:${n.status}`,
        atMs: updated,
        text: `${n.status.padEnd(10)} notification ${n.status}`,
      });
  }
  for (const v of s.vmoves) {
    const started = toMs(v.start_time);
    const name = v.instance_name ?? v.instance_uuid;
    if (started !== undefined)
      lines.push({
        key: `vmove:${v.instance_uuid}:start`,
        atMs: started,
        text: `${'evacuate'.padEnd(10)} ${name} ${v.source_host ?? '?'} -> ${v.dest_host ?? 'scheduler'}`,
      });
    const at = toMs(v.end_time);
    if (at === undefined || v.status === 'ongoing' || v.status === 'pending') continue;
    const text =
      v.status === 'succeeded'
        ? `${'moved'.padEnd(10)} ${name} ${v.source_host ?? '?'} -> ${v.dest_host ?? '?'}`
        : `${v.status.padEnd(10)} ${name} (${v.status})`;
    lines.push({ key: `vmove:${v.instance_uuid}:${v.status}`, atMs: at, text });
  }
  return lines.sort((a, b) => a.atMs - b.atMs);
}

/** Formats lines not printed before, relative to `t0Ms` (the moment of the failure); earlier history is left out. */
export class TimelinePrinter {
  private readonly printed = new Set<string>();

  constructor(private readonly t0Ms: number) {}

  next(lines: readonly TimelineLine[]): string[] {
    const fresh = lines.filter((l) => l.atMs >= this.t0Ms && !this.printed.has(l.key));
    for (const l of fresh) this.printed.add(l.key);
    return fresh.map((l) => `${formatOffset(l.atMs - this.t0Ms)}  ${l.text}`);
  }
}

export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  return `${sign}${(Math.abs(ms) / 1000).toFixed(2).padStart(7)}s`;
}
