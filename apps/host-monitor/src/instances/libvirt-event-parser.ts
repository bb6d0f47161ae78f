/**
 * Parses the lines `virsh event --all --loop [--timestamp]` prints into Masakari VM notification payload
 * fields. Formats (libvirt tools/virsh-domain-event.c):
 *   event 'lifecycle' for domain 'instance-0000002a': Stopped Failed
 *   event 'io-error' for domain 'instance-0000002a': /dev/sdb (virtio-disk1) report
 *   event 'watchdog' for domain 'instance-0000002a': poweroff
 *   2024-05-01 10:02:11.123+0000: event 'lifecycle' for domain '…': Crashed Panicked
 * The names follow masakari-monitors' instancemonitor (eventfilter_table.py), so the controller sees the
 * same (event, vir_domain_event) pairs Masakari's engine acts on, e.g. (LIFECYCLE, STOPPED_FAILED).
 */
export interface LibvirtInstanceEvent {
  /** libvirt domain name (Nova: `instance-0000002a`) — or its UUID if the domain is named that way. */
  domain: string;
  /** Masakari `event`: LIFECYCLE, IO_ERROR, WATCHDOG. */
  event: string;
  /** Masakari `vir_domain_event`, e.g. STOPPED_FAILED. */
  virDomainEvent: string;
}

const LINE =
  /^(?:\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?[+-]\d{4}: )?event '([a-z-]+)' for domain '(.+?)'(?:: (.*))?$/;

/** Lifecycle (event, detail) as virsh prints them → vir_domain_event. Pairs not listed are not reported. */
const LIFECYCLE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Suspended: {
    'I/O Error': 'SUSPENDED_IOERROR',
    Watchdog: 'SUSPENDED_WATCHDOG',
    'API error': 'SUSPENDED_API_ERROR',
  },
  Stopped: {
    Shutdown: 'STOPPED_SHUTDOWN',
    Destroyed: 'STOPPED_DESTROYED',
    Failed: 'STOPPED_FAILED',
    // Not in Masakari's table; reported so the controller can treat a crash that stopped the guest.
    Crashed: 'STOPPED_CRASHED',
  },
  Shutdown: {
    Finished: 'SHUTDOWN_FINISHED',
    'Finished after guest request': 'SHUTDOWN_FINISHED',
    'Finished after host request': 'SHUTDOWN_FINISHED',
  },
  Crashed: { Panicked: 'CRASHED_PANICKED', Crashloaded: 'CRASHED_CRASHLOADED' },
};

const IO_ERROR_ACTION = /^.* \(.*\) (none|pause|report|unknown)$/;
const WATCHDOG_ACTIONS = new Set(['none', 'pause', 'reset', 'poweroff', 'shutdown', 'debug', 'inject-nmi']);

/** undefined for lines that are not events, or events not worth a notification (started, resumed…). */
export function parseVirshEventLine(line: string): LibvirtInstanceEvent | undefined {
  const m = LINE.exec(line.trim());
  if (!m) return undefined;
  const [, kind, domain, rest = ''] = m;
  if (!kind || !domain) return undefined;
  switch (kind) {
    case 'lifecycle': {
      const space = rest.indexOf(' ');
      const type = space < 0 ? rest : rest.slice(0, space);
      const detail = space < 0 ? '' : rest.slice(space + 1);
      const virDomainEvent = LIFECYCLE[type]?.[detail];
      return virDomainEvent ? { domain, event: 'LIFECYCLE', virDomainEvent } : undefined;
    }
    case 'io-error': {
      // The io-error-reason callback prints the same event with " due to <reason>"; report it once.
      if (rest.includes(' due to ')) return undefined;
      const action = IO_ERROR_ACTION.exec(rest)?.[1];
      if (!action || action === 'unknown') return undefined;
      return { domain, event: 'IO_ERROR', virDomainEvent: `IO_ERROR_${action.toUpperCase()}` };
    }
    case 'watchdog':
      if (!WATCHDOG_ACTIONS.has(rest)) return undefined;
      return {
        domain,
        event: 'WATCHDOG',
        virDomainEvent: `WATCHDOG_${rest.replace('-', '_').toUpperCase()}`,
      };
    default:
      return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** First UUID-looking line of `virsh domuuid <name>` output. */
export function parseDomUuid(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .find(isUuid)
    ?.toLowerCase();
}
