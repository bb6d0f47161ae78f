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
  run(
    api: VigilApiClient,
    args: string[],
    opts: { reason?: string },
  ): Promise<{ json: unknown; text: string }>;
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
      const cluster = await api.request<Row>('GET', '/vigil/v1/cluster');
      const segments = await api.request<{ segments: Row[] }>('GET', '/v1/segments');
      const text = [
        `leader: ${JSON.stringify(cluster.leader ?? null)}`,
        `storm guard: ${JSON.stringify(cluster.stormGuard ?? cluster.storm_guard ?? null)}`,
        '',
        'hosts by state:',
        renderTable(
          Object.entries(
            (cluster.hostsByState ?? cluster.hosts_by_state ?? {}) as Record<string, unknown>,
          ).map(([state, hosts]) => ({ state, count: Array.isArray(hosts) ? hosts.length : hosts, hosts })),
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
      const detail = await api.request<Row>('GET', `/vigil/v1/incidents/${enc(id ?? '')}`);
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
  reinstate: {
    usage: 'reinstate <host>',
    summary: 'return a repaired host to service (probation, unset force-down, enable)',
    args: ['host'],
    async run(api, [host]) {
      const json = await api.request<Row>('POST', `/vigil/v1/hosts/${enc(host ?? '')}/reinstate`, {});
      return show(json, `reinstate of ${host}: ${JSON.stringify(json)}`);
    },
  },
  'confirm-fenced': {
    usage: 'confirm-fenced <host> --reason "<why you know it is off>"',
    summary: 'operator confirmation that a host is powered off (audited)',
    args: ['host'],
    reason: true,
    async run(api, [host], { reason }) {
      const json = await api.request<Row>('POST', `/vigil/v1/hosts/${enc(host ?? '')}/confirm-fenced`, {
        reason,
      });
      return show(json, `confirmed ${host} fenced: ${JSON.stringify(json)}`);
    },
  },
  'release-storm-guard': {
    usage: 'release-storm-guard --reason "<why>"',
    summary: 'let automatic fencing resume after a storm (audited)',
    args: [],
    reason: true,
    async run(api, _args, { reason }) {
      const json = await api.request<Row>('POST', '/vigil/v1/storm-guard/release', { reason });
      return show(json, `storm guard released: ${JSON.stringify(json)}`);
    },
  },
  plan: {
    usage: 'plan <host>',
    summary: 'dry run: what a failure of <host> would fence, move where, and block',
    args: ['host'],
    async run(api, [host]) {
      const json = await api.request<Row>('GET', `/vigil/v1/hosts/${enc(host ?? '')}/recovery-plan`);
      const moves = (json.moves ?? json.instances ?? []) as Row[];
      return show(json, [`plan for a failure of ${host}:`, renderTable(moves)].join('\n'));
    },
  },
};
