import { type VigilApiClient } from './api-client';
import { cellText, renderTable } from './table';

/** One CLI command: what it calls and how it shows the answer to a person. */
export interface Command {
  usage: string;
  summary: string;
  /** Positional arguments required. */
  args: string[];
  /** Needs `--reason`. */
  reason?: boolean;
  run(api: VigilApiClient, args: string[], opts: CommandOptions): Promise<CommandResult>;
}

/** The options a command may read (`vigil --help` lists which command takes which). */
export interface CommandOptions {
  reason?: string;
  scope?: string;
  segment?: string;
  fencing?: string;
  reserved?: boolean;
  out?: string;
  controllerUrl?: string;
  /** The CLI authenticates with Keystone (OS_AUTH_URL set, no --noauth). */
  keystone?: boolean;
  /** The CLI's environment: a controller node's master key for monitor secrets, never argv. */
  env: NodeJS.ProcessEnv;
}

/** `json` for `--json`, `text` for people; `exitCode` non-zero when the answer is a failure. */
export interface CommandResult {
  json: unknown;
  text: string;
  exitCode?: number;
}

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

const show = (json: unknown, text: string): { json: unknown; text: string } => ({ json, text });

export const COMMANDS: Record<string, Command> = {
  status: {
    usage: 'status',
    summary: 'cluster status: hosts by state, segments, storm guard, leader',
    args: [],
    async run(api) {
      const { cluster } = await api.request<{ cluster: Row }>('GET', '/vigil/v1/cluster');
      const segments = await api.request<{ segments: Row[] }>('GET', '/v1/segments');
      const engaged = ((cluster.stormGuards ?? []) as Row[]).filter((g) => g.engaged);
      const guard =
        engaged.length === 0
          ? 'not engaged'
          : `ENGAGED for ${engaged.map((g) => cellText(g.scope)).join(', ')}: automatic fencing suspended`;
      const text = [
        `leader: ${cellText(cluster.leadership)}`,
        `storm guard: ${guard}`,
        '',
        'hosts by state:',
        renderTable(
          Object.entries((cluster.hostsByState ?? {}) as Record<string, string[]>)
            .filter(([, hosts]) => hosts.length > 0)
            .map(([state, hosts]) => ({ state, count: hosts.length, hosts: hosts.join(' ') })),
        ),
        '',
        'segments:',
        renderTable(segments.segments, ['uuid', 'name', 'recovery_method', 'enabled']),
      ].join('\n');
      return show({ cluster, segments: segments.segments }, text);
    },
  },
  incidents: {
    usage: 'incidents',
    summary: 'list incidents (Masakari notifications) with their status',
    args: [],
    async run(api) {
      const { notifications } = await api.request<{ notifications: Row[] }>(
        'GET',
        '/v1/notifications?limit=50',
      );
      return show(
        notifications,
        renderTable(notifications, [
          'notification_uuid',
          'type',
          'status',
          'generated_time',
          'source_host_uuid',
        ]),
      );
    },
  },
  incident: {
    usage: 'incident <notification-uuid>',
    summary: 'one incident with its timeline and per-instance moves',
    args: ['notification-uuid'],
    async run(api, [id]) {
      const { incident: detail } = await api.request<{ incident: Row }>(
        'GET',
        `/vigil/v1/incidents/${enc(id ?? '')}`,
      );
      const timeline = (detail.timeline ?? []) as Row[];
      const moves = (detail.moves ?? detail.vmoves ?? []) as Row[];
      const text = [
        `incident ${id}: ${cellText(detail.status ?? detail.state)}`,
        '',
        'timeline:',
        renderTable(timeline),
        '',
        'moves:',
        renderTable(moves),
      ].join('\n');
      return show(detail, text);
    },
  },
  pacing: {
    usage: 'pacing',
    summary: 'evacuation limits pacing allows now (per scope, within the bounds) and its recent decisions',
    args: [],
    async run(api) {
      const { pacing } = await api.request<{ pacing: Row }>('GET', '/vigil/v1/recovery/pacing');
      const decisions = ((pacing.recentDecisions ?? []) as Row[]).slice(-15).map((e) => {
        const d = (e.decision ?? {}) as Row;
        return {
          at: e.at,
          scope: e.scope,
          change: `${cellText(d.from)} → ${cellText(d.to)}`,
          reason: d.reason,
        };
      });
      const text = [
        `adaptive: ${pacing.enabled ? 'yes' : 'no (every scope at its upper bound)'}; evacuate calls ≤ ${cellText(pacing.evacuateCallsPerSecond)}/s; confirmation polls ≤ ${cellText(pacing.pollsPerSecond)}/s; expected rebuild ${pacing.expectedRebuildMs === null ? 'not learned yet' : `${cellText(pacing.expectedRebuildMs)} ms`}`,
        '',
        'limits:',
        renderTable((pacing.scopes ?? []) as Row[], ['scope', 'limit', 'min', 'max']),
        '',
        'recent decisions:',
        renderTable(decisions),
      ].join('\n');
      return show(pacing, text);
    },
  },
  host: {
    usage: 'host <host>',
    summary: "a host's detection state (healthy since when) and its state timeline",
    args: ['host'],
    async run(api, [host]) {
      const { host_state: view } = await api.request<{ host_state: Row }>(
        'GET',
        `/vigil/v1/hosts/${enc(host ?? '')}/state`,
      );
      const at = (ms: unknown): string => (typeof ms === 'number' ? new Date(ms).toISOString() : '-');
      const timeline = ((view.timeline ?? []) as Row[]).map((t) => ({
        at: at(t.at),
        from: t.from,
        to: t.to,
        reason: t.reason,
      }));
      const failed = (view.failedComponents ?? []) as string[];
      const text = [
        `${host}: ${cellText(view.state)} since ${at(view.since)}`,
        `healthy since: ${view.state === 'up' ? at(view.since) : at(view.healthySince)}`,
        `failure domain: ${cellText(view.failureDomain)}`,
        `failed components: ${failed.join(', ') || 'none'}`,
        `incident: ${cellText(view.incidentId)}`,
        ...(view.note ? [`note: ${cellText(view.note)}`] : []),
        '',
        'timeline:',
        renderTable(timeline),
      ].join('\n');
      return show(view, text);
    },
  },
  reinstate: {
    usage: 'reinstate <host> --reason "<what was repaired>"',
    summary: 'return a repaired host to service (probation, unset force-down, enable)',
    args: ['host'],
    reason: true,
    async run(api, [host], { reason }) {
      const json = await api.request<{
        reinstate: { requestId?: unknown; probationRemainingMs?: unknown; warnings?: unknown };
      }>('POST', `/vigil/v1/hosts/${enc(host ?? '')}/reinstate`, { reason });
      return show(json, reinstateText(host ?? '', json.reinstate));
    },
  },
  'confirm-fenced': {
    usage: 'confirm-fenced <notification-uuid> --reason "<why you know the host is off>"',
    summary: "operator confirmation that an incident's host is powered off (audited)",
    args: ['notification-uuid'],
    reason: true,
    async run(api, [id], { reason }) {
      const path = `/vigil/v1/incidents/${enc(id ?? '')}/confirm-fenced`;
      const json = await api.request<Row>('POST', path, { reason });
      return show(json, `incident ${id}: host confirmed off by the operator, recovery proceeds`);
    },
  },
  'release-storm-guard': {
    usage: 'release-storm-guard --reason "<why>" [--scope global|segment:UUID]',
    summary: 'let automatic fencing resume after a storm (audited); every engaged guard by default',
    args: [],
    reason: true,
    async run(api, _args, { reason, scope }) {
      const json = await api.request<{ released?: Row[] }>('POST', '/vigil/v1/storm-guard/release', {
        reason,
        ...(scope ? { scope } : {}),
      });
      return show(json, releasedText(json.released ?? []));
    },
  },
  plan: {
    usage: 'plan <host>',
    summary: 'dry run: what a failure of <host> would fence, move where, and block',
    args: ['host'],
    async run(api, [host]) {
      const { dry_run: dryRun } = await api.request<{ dry_run: Row }>('POST', '/vigil/v1/recovery/dry-run', {
        host,
      });
      const plan = (dryRun.plan ?? {}) as Row;
      const fence = (dryRun.fence ?? {}) as Row;
      const text = [
        `dry run: failure of ${host}`,
        `fence: ${cellText(fence.action)}${fence.power === undefined ? '' : ` (BMC answers: ${cellText(fence.power)})`}`,
        `nova-compute: ${dryRun.compute ? cellText(dryRun.compute) : 'not found in Nova'}`,
        `isolate: ${((dryRun.isolate ?? []) as string[]).join(', ')}`,
        `fits capacity: ${cellText(plan.fits)}`,
        '',
        'moves:',
        renderTable((plan.moves ?? []) as Row[]),
        '',
        'skipped:',
        renderTable((plan.skipped ?? []) as Row[]),
        ...tiersText(plan.tiers as Row | undefined),
        '',
        `blockers: ${((dryRun.blockers ?? []) as string[]).join('; ') || 'none'}`,
      ].join('\n');
      return show(dryRun, text);
    },
  },
};

/** The plan's restart tiers, in order, with their gates; nothing when no tier is configured. */
function tiersText(tiers: Row | undefined): string[] {
  if (!tiers) return [];
  const rows = ((tiers.order ?? []) as Row[]).map((t, i) => ({
    order: i + 1,
    tier: t.name,
    gate: t.gate,
    timeout_s: Number(t.timeoutMs) / 1000,
    instances: ((t.instances ?? []) as Row[]).map((inst) => cellText(inst.name)).join(', '),
  }));
  const warnings = (tiers.warnings ?? []) as string[];
  return [
    '',
    'restart tiers (each starts once the one before is ready or timed out):',
    renderTable(rows),
  ].concat(warnings.length > 0 ? [`tier warnings: ${warnings.join('; ')}`] : []);
}

/** A person's reading of an accepted reinstate. */
export function reinstateText(
  host: string,
  accepted: { requestId?: unknown; probationRemainingMs?: unknown; warnings?: unknown },
): string {
  const warnings = Array.isArray(accepted.warnings)
    ? accepted.warnings.map((w) => `warning: ${cellText(w)}`)
    : [];
  const remainingMs = typeof accepted.probationRemainingMs === 'number' ? accepted.probationRemainingMs : 0;
  const wait =
    remainingMs > 0
      ? `after ${Math.ceil(remainingMs / 1000)} s more of probation (it restarts if the host turns unhealthy)`
      : 'now';
  return [
    `reinstate of ${host} accepted (request ${cellText(accepted.requestId)}).`,
    `Vigil unsets force-down ${wait}, waits for nova-compute to report up, enables it, clears on_maintenance`,
    'and returns the reserved hosts its recovery used. Follow it with `vigil host ' + host + '`.',
    ...warnings,
  ].join('\n');
}

/** A person's reading of released storm guards. */
export function releasedText(released: readonly Row[]): string {
  const rows = released.map((g) => ({
    scope: g.scope,
    'engaged since': typeof g.engagedAt === 'number' ? new Date(g.engagedAt).toISOString() : '',
    'engaged because': g.reason,
    hosts: Array.isArray(g.hosts) ? g.hosts.join(' ') : '',
  }));
  return [
    `storm guard released (${released.length}): automatic fencing resumes; held suspects now proceed.`,
    renderTable(rows),
  ].join('\n');
}
