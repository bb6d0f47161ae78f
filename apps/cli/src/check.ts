import { ErrorCode, isVigilError } from '@vigil/contracts';
import { type VigilApiClient } from './api-client';
import { type Command, type CommandOptions, type CommandResult } from './commands';
import { findHost, findSegment, listHosts, listSegments, type SegmentRow } from './inventory-lookup';
import { renderTable } from './table';

/** What `vigil check` found for one host: a column each, and what would block or slow its recovery. */
export interface HostCheck {
  host: string;
  segment: string;
  bmc: string;
  novaCompute: string;
  monitor: string;
  capacity: string;
  problems: string[];
}

interface DryRunAnswer {
  fence: { configured: boolean; power?: string };
  compute: { state: string; status: string; forcedDown: boolean } | null;
  plan: { fits: boolean; moves: unknown[]; blocked: unknown[]; warnings?: string[] };
  blockers: string[];
}
interface HostStateAnswer {
  state: string;
  since: number;
  healthySince?: number;
  failedComponents: string[];
}

const enc = encodeURIComponent;
const CONCURRENCY = 4;

/** The host monitor as detection sees it: a problem unless heartbeating with every component ok. */
export function monitorVerdict(
  state: HostStateAnswer | undefined,
  now: number,
): { text: string; problem?: string } {
  if (!state)
    return { text: 'never heard', problem: 'no heartbeat ever received: detection cannot see a failure' };
  const ago = `${Math.max(0, Math.round((now - state.since) / 1000))} s`;
  if (state.state === 'up') return { text: `heartbeating, up for ${ago}` };
  if (state.state === 'maintenance')
    return state.healthySince !== undefined
      ? { text: 'heartbeating (maintenance)' }
      : { text: 'maintenance, not healthy', problem: 'on maintenance and not heartbeating healthy' };
  const failed = state.failedComponents.length > 0 ? `: ${state.failedComponents.join(', ')} failed` : '';
  return { text: `${state.state}${failed}`, problem: `detection reports ${state.state} for ${ago}${failed}` };
}

/** Reads one host's readiness for a failure: the dry run (BMC, Nova, capacity) and its detection state. */
async function checkHost(api: VigilApiClient, host: string, segment: string): Promise<HostCheck> {
  const { dry_run: dry } = await api.request<{ dry_run: DryRunAnswer }>(
    'POST',
    '/vigil/v1/recovery/dry-run',
    {
      host,
    },
  );
  const state = await api
    .request<{ host_state: HostStateAnswer }>('GET', `/vigil/v1/hosts/${enc(host)}/state`)
    .then((r) => r.host_state)
    .catch((err: unknown) => {
      if (isVigilError(err) && err.code === ErrorCode.NOT_FOUND) return undefined;
      throw err;
    });
  const monitor = monitorVerdict(state, Date.now());
  const power = dry.fence.power;
  return {
    host,
    segment,
    bmc: !dry.fence.configured
      ? 'no fencing'
      : power === 'on' || power === 'off'
        ? `answers: ${power}`
        : 'DOES NOT ANSWER',
    novaCompute: dry.compute
      ? `${dry.compute.state}/${dry.compute.status}${dry.compute.forcedDown ? '/forced-down' : ''}`
      : 'MISSING',
    monitor: monitor.text,
    capacity: dry.plan.fits
      ? `fits (moves: ${dry.plan.moves.length})`
      : `SHORT (${dry.plan.blocked.length} of ${dry.plan.moves.length + dry.plan.blocked.length} blocked)`,
    problems: [...dry.blockers, ...(monitor.problem ? [monitor.problem] : [])],
  };
}

async function inBatches<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(f))));
  return out;
}

/** The controller itself: ready (Redis, a leader, queues), and the CLI's Keystone token accepted. */
async function checkController(
  api: VigilApiClient,
  keystone: boolean,
): Promise<{ lines: string[]; problems: string[] }> {
  const problems: string[] = [];
  let ready: string;
  try {
    await api.request('GET', '/readyz');
    ready = 'ready';
  } catch (err) {
    ready = `NOT READY (${(err as Error).message})`;
    problems.push(`controller: ${ready}`);
  }
  return {
    lines: [
      `controller: ${await api.baseUrl()} ${ready}`,
      `keystone: ${keystone ? 'token issued and accepted by the controller' : 'not used (--noauth or no OS_AUTH_URL)'}`,
    ],
    problems,
  };
}

/**
 * `vigil check [host] [--segment SEG]`: preflight of what a failure would meet right now, per host —
 * its BMC answering with the stored settings, Nova's nova-compute service, its monitor heartbeating,
 * the segment's spare capacity — as a table, then every blocker. Exit 1 when anything would block.
 */
async function check(
  api: VigilApiClient,
  host: string | undefined,
  opts: CommandOptions,
): Promise<CommandResult> {
  let targets: Array<{ host: string; segment: string }>;
  if (host) {
    const found = await findHost(api, host);
    targets = [{ host, segment: found.segment.name }];
  } else {
    const segments: SegmentRow[] = opts.segment
      ? [await findSegment(api, opts.segment)]
      : await listSegments(api);
    targets = [];
    for (const segment of segments)
      for (const h of (await listHosts(api, segment)).sort((a, b) => a.name.localeCompare(b.name)))
        targets.push({ host: h.name, segment: segment.name });
  }
  const controller = await checkController(api, opts.keystone === true);
  const hosts = await inBatches(targets, CONCURRENCY, (t) => checkHost(api, t.host, t.segment));
  const problems = [
    ...controller.problems,
    ...hosts.flatMap((h) => h.problems.map((p) => `${h.host}: ${p}`)),
  ];
  const rows = hosts.map((h) => ({
    host: h.host,
    segment: h.segment,
    BMC: h.bmc,
    'nova-compute': h.novaCompute,
    monitor: h.monitor,
    capacity: h.capacity,
    ready: h.problems.length === 0 ? 'yes' : 'NO',
  }));
  const text = [
    ...controller.lines,
    '',
    renderTable(rows),
    '',
    problems.length === 0
      ? `all ${hosts.length} host(s) ready: a failure now would be fenced and recovered`
      : `${problems.length} problem(s) would block or slow a recovery:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  ].join('\n');
  return {
    json: { controller: controller.lines, hosts, problems },
    text,
    exitCode: problems.length === 0 ? 0 : 1,
  };
}

export const CHECK_COMMANDS: Record<string, Command> = {
  check: {
    usage: 'check [<host>] [--segment SEG]',
    summary: 'preflight: BMC answers, nova-compute found, monitor heartbeating, capacity; exit 1 if blocked',
    args: [],
    run: (api, [host], opts) => check(api, host, opts),
  },
};
