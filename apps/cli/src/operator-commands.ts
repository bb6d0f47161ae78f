import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type VigilApiClient } from './api-client';
import { type Command, type CommandResult } from './commands';
import { findHost, findSegment } from './inventory-lookup';
import { cellText, renderTable } from './table';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;
/** `a, b` for a list, the usual cell text otherwise. */
const listText = (v: unknown): string => (Array.isArray(v) ? v.map(cellText).join(', ') : cellText(v));

/**
 * A fencing settings file (JSON or YAML, the body of `PUT /vigil/v1/hosts/{uuid}/fencing`): the BMC
 * password stays in a 0600 file, never in argv or the shell history.
 */
export function readSettingsFile(path: string): Row {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VigilError(ErrorCode.BAD_REQUEST, `cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) as unknown; // YAML is a superset of JSON
  } catch (err) {
    throw new VigilError(
      ErrorCode.BAD_REQUEST,
      `${path} is neither JSON nor YAML: ${(err as Error).message}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new VigilError(ErrorCode.BAD_REQUEST, `${path} must hold one object of settings`);
  return parsed as Row;
}

/** A host's fencing settings as the API answers them (never a secret: `password_set`). */
export function fencingText(host: string, fencing: Row): string {
  const options = (fencing.options ?? {}) as Row;
  return [
    `fencing of ${host}: ${cellText(fencing.driver)}${fencing.agent ? ` (${cellText(fencing.agent)})` : ''}`,
    `BMC: ${cellText(fencing.address)}${typeof fencing.port === 'number' ? `:${fencing.port}` : ''} as ${cellText(fencing.username)}, password ${fencing.password_set ? 'set' : 'NOT set'}`,
    `options: ${
      Object.entries(options)
        .map(([k, v]) => `${k}=${cellText(v)}`)
        .join(' ') || 'none'
    }`,
    ...(Array.isArray(fencing.secret_options) && fencing.secret_options.length > 0
      ? [`secret options set: ${fencing.secret_options.join(', ')}`]
      : []),
  ].join('\n');
}

/** `vigil maintenance <host> on|off`: Masakari's own flag, through its host route. */
async function setMaintenance(api: VigilApiClient, name: string, on: boolean): Promise<CommandResult> {
  const { host, segment } = await findHost(api, name);
  const path = `/v1/segments/${enc(segment.uuid)}/hosts/${enc(host.uuid)}`;
  const json = await api.request<{ host: Row }>('PUT', path, { host: { on_maintenance: on } });
  const text = on
    ? `${name} is on maintenance: Vigil opens no incident for it and Masakari rejects its notifications.`
    : [
        `${name} is out of maintenance: a failure from now on is recovered.`,
        'A host Vigil fenced and disabled in Nova returns with `vigil reinstate` instead (it also',
        'checks power and health, unsets force-down and enables nova-compute).',
      ].join('\n');
  return { json, text };
}

/** `vigil retry|abort <id> --reason`: an audited incident action through its route. */
function incidentAction(action: 'retry' | 'abort', why: string, summary: string, done: string): Command {
  return {
    usage: `${action} <notification-uuid> --reason "${why}"`,
    summary,
    args: ['notification-uuid'],
    reason: true,
    async run(api, [id = ''], { reason }) {
      const path = `/vigil/v1/incidents/${enc(id)}/${action}`;
      const json = await api.request<{ incident?: Row }>('POST', path, { reason });
      const incident = json.incident;
      return {
        json,
        text: `incident ${id}: ${done}; now ${cellText(incident?.status ?? incident?.state)}. Follow it with \`vigil incident ${id}\`.`,
      };
    },
  };
}

/** `vigil pin-storm-guard|unpin-storm-guard --scope S --reason R`: an engaged guard kept (or not). */
function guardPin(pinned: boolean): Command {
  return {
    usage: `${pinned ? 'pin' : 'unpin'}-storm-guard --scope global|segment:UUID --reason "<why>"`,
    summary: pinned
      ? 'keep an engaged storm guard engaged: it will not release itself (audited)'
      : 'let a pinned storm guard release itself again once the storm is over (audited)',
    args: [],
    reason: true,
    async run(api, _args, { reason, scope }) {
      if (!scope) throw new VigilError(ErrorCode.BAD_REQUEST, 'which guard? --scope global or segment:UUID');
      const json = await api.request<{ storm_guard: Row }>('POST', '/vigil/v1/storm-guard/pin', {
        scope,
        pinned,
        reason,
      });
      const text = pinned
        ? `storm guard ${scope} pinned: automatic fencing stays suspended there until \`vigil release-storm-guard --scope ${scope}\`.`
        : `storm guard ${scope} unpinned: it releases itself once the storm is over, or with release-storm-guard.`;
      return { json, text };
    },
  };
}

/** A detection policy, one setting a line (defaults and the segment's override merged). */
function policyText(segment: string, policy: Row): string {
  const rows = Object.entries(policy).map(([setting, value]) => ({ setting, value: cellText(value) }));
  return [`detection policy of segment ${segment}:`, renderTable(rows)].join('\n');
}

/**
 * `key=value` pairs into one object: values as JSON where they parse (3, true, "x", [..]), else strings;
 * a dotted key sets a nested setting (`ovs.action=alert`).
 */
export function parseSettings(pairs: readonly string[]): Row {
  const out: Row = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new VigilError(ErrorCode.BAD_REQUEST, `expected key=value, got ${pair}`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      // a plain string
    }
    const path = pair.slice(0, eq).split('.');
    const last = path.pop() ?? '';
    let node = out;
    for (const key of path) {
      const next = node[key];
      node = (node[key] = next && typeof next === 'object' ? next : {}) as Row;
    }
    node[last] = value;
  }
  return out;
}

/** Commands an operator needs in the runbooks beyond status and recovery (docs/operations.md). */
export const OPERATOR_COMMANDS: Record<string, Command> = {
  fencing: {
    usage: 'fencing <host>',
    summary: "a host's fencing settings (driver, BMC, user; never the password)",
    args: ['host'],
    async run(api, [name = '']) {
      const { host } = await findHost(api, name);
      const json = await api.request<{ fencing: Row }>('GET', `/vigil/v1/hosts/${enc(host.uuid)}/fencing`);
      return { json, text: fencingText(name, json.fencing) };
    },
  },
  'fencing-set': {
    usage: 'fencing-set <host> --fencing FILE',
    summary: 'set fencing from a 0600 JSON/YAML file (driver, address, username, password, options)',
    args: ['host'],
    async run(api, [name = ''], { fencing: file }) {
      if (!file) throw new VigilError(ErrorCode.BAD_REQUEST, 'fencing-set needs --fencing FILE');
      const { host } = await findHost(api, name);
      const path = `/vigil/v1/hosts/${enc(host.uuid)}/fencing`;
      const json = await api.request<{ fencing: Row }>('PUT', path, readSettingsFile(file));
      return {
        json,
        text: `${fencingText(name, json.fencing)}\nCheck the BMC answers with them: vigil check ${name}`,
      };
    },
  },
  'fencing-delete': {
    usage: 'fencing-delete <host>',
    summary: "remove a host's fencing settings (its failures then wait for confirm-fenced)",
    args: ['host'],
    async run(api, [name = '']) {
      const { host } = await findHost(api, name);
      await api.request('DELETE', `/vigil/v1/hosts/${enc(host.uuid)}/fencing`);
      return {
        json: { host: name, fencing: null },
        text: `fencing settings of ${name} removed: a failure of ${name} now waits for \`vigil confirm-fenced\`.`,
      };
    },
  },
  'maintenance-on': {
    usage: 'maintenance-on <host>',
    summary: 'put a host into maintenance (no incident for it, its notifications rejected)',
    args: ['host'],
    run: (api, [name = '']) => setMaintenance(api, name, true),
  },
  'maintenance-off': {
    usage: 'maintenance-off <host>',
    summary: 'take a host out of maintenance set by hand (a fenced host: use reinstate)',
    args: ['host'],
    run: (api, [name = '']) => setMaintenance(api, name, false),
  },
  retry: incidentAction(
    'retry',
    '<what changed>',
    'run an incident in error or failed again (audited)',
    'retry queued',
  ),
  abort: incidentAction(
    'abort',
    '<why>',
    "stop an incident's queued moves (moves Nova accepted are still confirmed; audited)",
    'abort recorded',
  ),
  'pin-storm-guard': guardPin(true),
  'unpin-storm-guard': guardPin(false),
  quarantine: {
    usage: 'quarantine',
    summary: 'hosts in proactive quarantine (degraded, never fenced) and the audit of cancels',
    args: [],
    async run(api) {
      const json = await api.request<{ quarantine: Row[]; audit?: Row[] }>('GET', '/vigil/v1/quarantine');
      return { json, text: quarantineText(json.quarantine, json.audit ?? []) };
    },
  },
  'quarantine-cancel': {
    usage: 'quarantine-cancel <host> --reason "<why>"',
    summary: 'end a quarantine: the live migrations stop, the host is re-enabled in Nova (audited)',
    args: ['host'],
    reason: true,
    async run(api, [host = ''], { reason }) {
      const path = `/vigil/v1/hosts/${enc(host)}/quarantine/cancel`;
      const json = await api.request<{ quarantine: Row }>('POST', path, { reason });
      return {
        json,
        text: `quarantine of ${host} ended (it had: ${listText(json.quarantine.signals)}); the host takes new instances again if Vigil had disabled it.`,
      };
    },
  },
  policy: {
    usage: 'policy <segment>',
    summary: "a segment's effective detection policy (config defaults and its override)",
    args: ['segment'],
    async run(api, [nameOrUuid = '']) {
      const segment = await findSegment(api, nameOrUuid);
      const path = `/vigil/v1/segments/${enc(segment.uuid)}/detection-policy`;
      const json = await api.request<{ detection_policy: Row }>('GET', path);
      return { json, text: policyText(segment.name, json.detection_policy) };
    },
  },
  'policy-set': {
    usage: 'policy-set <segment> <key=value>...',
    summary: "replace a segment's policy override with these settings (the rest: config defaults)",
    args: ['segment', 'key=value'],
    async run(api, [nameOrUuid = '', ...pairs]) {
      const segment = await findSegment(api, nameOrUuid);
      const path = `/vigil/v1/segments/${enc(segment.uuid)}/detection-policy`;
      const json = await api.request<{ detection_policy: Row }>('PUT', path, {
        detection_policy: parseSettings(pairs),
      });
      return { json, text: policyText(segment.name, json.detection_policy) };
    },
  },
};

/** Hosts in quarantine, then the newest cancels (who, why, when). */
export function quarantineText(quarantine: readonly Row[], audit: readonly Row[]): string {
  const rows = quarantine.map((q) => ({
    host: q.host,
    mode: q.mode,
    since: typeof q.since === 'number' ? new Date(q.since).toISOString() : q.since,
    signals: listText(q.signals),
    live_migrations: q.liveMigrationsStarted,
    drained: typeof q.drainedAt === 'number' ? new Date(q.drainedAt).toISOString() : 'no',
  }));
  const lines = [quarantine.length === 0 ? 'no host in quarantine' : renderTable(rows)];
  if (audit.length > 0)
    lines.push('', 'cancelled (newest first):', renderTable(audit.slice(0, 10).map((a) => ({ ...a }))));
  return lines.join('\n');
}
