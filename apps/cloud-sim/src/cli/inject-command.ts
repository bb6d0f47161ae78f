import { ErrorCode, VigilError } from '@vigil/contracts';
import { type ParsedArgs } from './args';

export interface SimRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

const HOST_KINDS = ['power-off', 'power-on', 'kernel-hang', 'partition', 'heal', 'recover'];

export const INJECT_USAGE = `inject <kind> <target> [--api URL]
  power-off|power-on|kernel-hang|partition|heal|recover <host>
  crash|restart <host> <nova-compute|libvirtd|ovs>
  rack-partition|rack-heal <rack>
  cut controller|controller-and-peers|everything <host|rack:NAME>[,...] [--duration-ms N] [--label TEXT]
  heal-cut <partition-id>
  rack-power-off <rack> [--bmcs read-off|unreachable]
  rack-power-on <rack>
  cliff on|off
  nova-faults [--latency-ms N] [--fail-rate 0..1] [--fail-status 5xx]
  bmc <host> normal|refuse|lie|hang|act-then-hang|slow [--delay-ms N]
  instance-crash <instance-uuid>
  state [host]
  power-log [host]`;

const usage = (why: string): VigilError => new VigilError(ErrorCode.BAD_REQUEST, `${why}\n${INJECT_USAGE}`);
const seg = encodeURIComponent;

/** `inject <kind> <target>...` as the injection API request it stands for. */
export function injectRequest(args: Pick<ParsedArgs, 'positionals' | 'flags'>): SimRequest {
  const [kind, target, extra] = args.positionals;
  if (!kind) throw usage('which injection?');
  if (kind === 'state') return { method: 'GET', path: `/sim/state${target ? `?host=${seg(target)}` : ''}` };
  if (kind === 'power-log')
    return { method: 'GET', path: `/sim/power-log${target ? `?host=${seg(target)}` : ''}` };
  if (kind === 'nova-faults') {
    const body: Record<string, number> = {};
    for (const [flag, key] of [
      ['latency-ms', 'latencyMs'],
      ['fail-rate', 'failRate'],
      ['fail-status', 'failStatus'],
    ] as const) {
      const raw = args.flags.get(flag);
      if (raw !== undefined) body[key] = Number(raw);
    }
    return { method: 'POST', path: '/sim/nova/faults', body };
  }
  if (kind === 'cliff') {
    if (target !== 'on' && target !== 'off') throw usage('cliff on|off');
    return target === 'on'
      ? { method: 'POST', path: '/sim/cliff', body: { active: true } }
      : { method: 'DELETE', path: '/sim/cliff' };
  }
  if (!target) throw usage(`${kind} needs a target`);
  if (HOST_KINDS.includes(kind)) return { method: 'POST', path: `/sim/hosts/${seg(target)}/${kind}` };
  switch (kind) {
    case 'crash':
    case 'restart':
      if (!extra) throw usage(`${kind} needs a component`);
      return { method: 'POST', path: `/sim/hosts/${seg(target)}/components/${seg(extra)}/${kind}` };
    case 'rack-partition':
      return { method: 'POST', path: `/sim/racks/${seg(target)}/partition` };
    case 'rack-heal':
      return { method: 'POST', path: `/sim/racks/${seg(target)}/heal` };
    case 'bmc': {
      if (!extra) throw usage('bmc needs a behaviour');
      const delay = args.flags.get('delay-ms');
      return {
        method: 'POST',
        path: `/sim/bmc/${seg(target)}/behaviour`,
        body: { behaviour: extra, ...(typeof delay === 'string' ? { delayMs: Number(delay) } : {}) },
      };
    }
    case 'cut':
      return cutRequest(target, extra, args.flags);
    case 'heal-cut':
      return { method: 'DELETE', path: `/sim/partitions/${seg(target)}` };
    case 'rack-power-off': {
      const bmcs = args.flags.get('bmcs');
      return {
        method: 'POST',
        path: `/sim/racks/${seg(target)}/power-off`,
        body: typeof bmcs === 'string' ? { bmcs } : {},
      };
    }
    case 'rack-power-on':
      return { method: 'POST', path: `/sim/racks/${seg(target)}/power-on` };
    case 'instance-crash':
      return { method: 'POST', path: `/sim/instances/${seg(target)}/crash` };
    default:
      throw usage(`unknown injection ${kind}`);
  }
}

/** `cut <scope> <host|rack:NAME>[,...]` as `POST /sim/partitions`. */
function cutRequest(scope: string, members: string | undefined, flags: ParsedArgs['flags']): SimRequest {
  if (!members) throw usage('cut needs hosts or rack:NAME');
  const names = members.split(',').filter(Boolean);
  const racks = names.filter((n) => n.startsWith('rack:')).map((n) => n.slice(5));
  const hosts = names.filter((n) => !n.startsWith('rack:'));
  const duration = flags.get('duration-ms');
  const label = flags.get('label');
  return {
    method: 'POST',
    path: '/sim/partitions',
    body: {
      scope,
      ...(hosts.length > 0 ? { hosts } : {}),
      ...(racks.length > 0 ? { racks } : {}),
      ...(typeof duration === 'string' ? { durationMs: Number(duration) } : {}),
      ...(typeof label === 'string' ? { label } : {}),
    },
  };
}
