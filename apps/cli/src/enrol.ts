import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { hostMonitorConfigSchema } from '@vigil/config';
import { deriveHostSecret, ErrorCode, isVigilError, VigilError } from '@vigil/contracts';
import { type VigilApiClient } from './api-client';
import { type Command, type CommandOptions, type CommandResult } from './commands';
import { findHost, findSegment, type HostRow } from './inventory-lookup';
import { MASTER_KEY_VARIABLE } from './monitor-secret';
import { readSettingsFile } from './operator-commands';
import { cellText } from './table';

const enc = encodeURIComponent;
/** Where the host monitor's systemd unit and deploy/ examples expect its files. */
export const MONITOR_SECRET_PATH = '/etc/vigil/host-monitor.secret';

interface DryRunAnswer {
  fence: { configured: boolean; power?: string };
  compute: { state: string; status: string } | null;
}

/** The host monitor's config for `host`: validated by the monitor's own schema before anyone sees it. */
export function monitorConfigYaml(host: string, controllerUrls: string[]): string {
  const config = { host, secretFile: MONITOR_SECRET_PATH, controllerUrls };
  hostMonitorConfigSchema.parse(config);
  return [
    `# /etc/vigil/host-monitor.yaml for ${host}, written by \`vigil host enrol\` (docs/host-monitor.md).`,
    '# Add peers (hosts this monitor probes) and probes if the defaults do not fit.',
    toYaml(config),
  ].join('\n');
}

/** Registers the host in the segment unless it already is there; another segment is an error. */
async function register(
  api: VigilApiClient,
  name: string,
  segmentName: string,
  opts: CommandOptions,
  driver: string,
): Promise<{ host: HostRow; created: boolean }> {
  const segment = await findSegment(api, segmentName);
  try {
    const existing = await findHost(api, name);
    if (existing.segment.uuid !== segment.uuid)
      throw new VigilError(
        ErrorCode.CONFLICT,
        `${name} is already registered in segment ${existing.segment.name}, not ${segment.name}`,
      );
    return { host: existing.host, created: false };
  } catch (err) {
    if (!isVigilError(err) || err.code !== ErrorCode.NOT_FOUND) throw err;
  }
  const { host } = await api.request<{ host: HostRow }>('POST', `/v1/segments/${enc(segment.uuid)}/hosts`, {
    host: {
      name,
      type: 'COMPUTE',
      control_attributes: driver.toUpperCase(),
      ...(opts.reserved ? { reserved: true } : {}),
    },
  });
  return { host, created: true };
}

/**
 * `vigil host enrol <host> --segment SEG --fencing FILE [--reserved] [--out DIR] [--controller-url URL]`:
 * everything an operator does to put a compute under Vigil, in order, each step idempotent:
 * register the host in the segment, store its fencing settings, ask its BMC for the power state with
 * them (the same read fencing would do), and write the host monitor's secret and config (0600) to DIR
 * or print them for a config-management tool. Exit 1 when the BMC does not answer.
 */
async function enrol(api: VigilApiClient, name: string, opts: CommandOptions): Promise<CommandResult> {
  if (!opts.segment || !opts.fencing)
    throw new VigilError(ErrorCode.BAD_REQUEST, 'host enrol needs --segment SEG and --fencing FILE');
  const settings = readSettingsFile(opts.fencing);
  const { host, created } = await register(
    api,
    name,
    opts.segment,
    opts,
    typeof settings.driver === 'string' ? settings.driver : 'ipmi',
  );
  await api.request('PUT', `/vigil/v1/hosts/${enc(host.uuid)}/fencing`, settings);
  const { dry_run: check } = await api.request<{ dry_run: DryRunAnswer }>(
    'POST',
    '/vigil/v1/recovery/dry-run',
    { host: name },
  );
  const power = check.fence.power ?? 'not asked';
  const bmcOk = power === 'on' || power === 'off';

  const controllerUrls = [opts.controllerUrl ?? (await api.baseUrl())];
  const configYaml = monitorConfigYaml(name, controllerUrls);
  const masterKey = opts.env[MASTER_KEY_VARIABLE];
  const secret = masterKey ? deriveHostSecret(masterKey, name) : undefined;
  const monitor: string[] = [];
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true, mode: 0o700 });
    const write = (file: string, text: string): string => {
      const path = join(opts.out ?? '', file);
      writeFileSync(path, text, { mode: 0o600 });
      chmodSync(path, 0o600); // an existing file is narrowed too
      return path;
    };
    monitor.push(`monitor config: ${write('host-monitor.yaml', configYaml)} (mode 0600)`);
    if (secret)
      monitor.push(
        `monitor secret: ${write('host-monitor.secret', `${secret}\n`)} (mode 0600) -> ${MONITOR_SECRET_PATH} on ${name}`,
      );
  } else {
    monitor.push('monitor config (/etc/vigil/host-monitor.yaml):', configYaml.trimEnd());
    if (secret) monitor.push(`monitor secret (${MONITOR_SECRET_PATH}, mode 0600): ${secret}`);
  }
  if (!secret)
    monitor.push(
      `monitor secret: not derived (${MASTER_KEY_VARIABLE} is not set here); on a controller node: vigil monitor-secret ${name} --out FILE`,
    );

  const text = [
    `${name}: ${created ? 'registered' : 'already registered'} in segment ${opts.segment}${host.reserved ? ' (reserved)' : ''}`,
    `fencing: ${cellText(settings.driver)} at ${cellText(settings.address)} stored (password encrypted at rest)`,
    bmcOk
      ? `BMC: answers with these settings, power ${power}`
      : `BMC: DOES NOT ANSWER with these settings (${power}): fencing of ${name} would fail; fix them and run enrol again`,
    `nova-compute: ${check.compute ? `${check.compute.state}/${check.compute.status}` : `not found in Nova (is ${name} the service host name?)`}`,
    ...monitor,
    '',
    `Next: install vigil-host-monitor on ${name} with these files, then \`vigil check ${name}\`.`,
  ].join('\n');
  const json = {
    host: { name, uuid: host.uuid, segment: opts.segment, created, reserved: host.reserved },
    bmc: { power, ok: bmcOk },
    compute: check.compute,
    monitor: { config: configYaml, ...(opts.out ? { dir: opts.out } : secret ? { secret } : {}) },
  };
  return { json, text, exitCode: bmcOk ? 0 : 1 };
}

/** `vigil host enrol …`, dispatched as the two words `host enrol`. */
export const ENROL_COMMANDS: Record<string, Command> = {
  'host enrol': {
    usage: 'host enrol <host> --segment SEG --fencing FILE [--reserved] [--out DIR] [--controller-url URL]',
    summary: 'register a host, store and test its fencing (BMC read), write its monitor secret and config',
    args: ['host'],
    run: (api, [name = ''], opts) => enrol(api, name, opts),
  },
};
