/**
 * Failure domains: hosts that share a switch, a PDU or a rack fail together when that thing fails,
 * and a network event in one domain silences all of them at once while they keep running. Pure.
 */

/** One silent host as the correlation sees it. */
export interface Silence {
  host: string;
  /** Failure-domain path (`dc1/row-2/rack-07`); undefined = not in any domain. */
  domain: string | undefined;
  /** When its failure episode started (our clock). */
  startedAt: number;
  /** Its BMC as read this sweep. */
  bmc: 'on' | 'off' | 'unknown';
  /** Its last heartbeat was the monitor's last gasp (the host said it was shutting down). */
  lastGasp?: boolean;
  /** Silences starting within this of each other are correlated (the host's segment policy), ms. */
  windowMs: number;
}

/** A host whose silence is correlated with others' in its domain, and with whom. */
export interface Correlation {
  domain: string;
  with: string[];
}

/**
 * Hosts of one domain that went silent within `windowMs` of each other while their BMCs read On: a
 * network event until proven otherwise. A BMC reading Off, or a last gasp (the monitor's final heartbeat
 * said the host was shutting down), is direct evidence of death and takes the host out (so its own hold
 * ends). A BMC that did not answer this sweep proves nothing either way (the
 * same event may cut the out-of-band network): it stays held, as On. Hosts in different domains are
 * never correlated.
 */
export function correlatedSilences(silences: readonly Silence[]): Map<string, Correlation> {
  const powered = silences.filter((s) => s.domain !== undefined && s.bmc !== 'off' && !s.lastGasp);
  const out = new Map<string, Correlation>();
  for (const s of powered) {
    const others = powered
      .filter(
        (o) =>
          o.host !== s.host && o.domain === s.domain && Math.abs(o.startedAt - s.startedAt) <= s.windowMs,
      )
      .map((o) => o.host)
      .sort();
    if (others.length > 0 && s.domain !== undefined) out.set(s.host, { domain: s.domain, with: others });
  }
  return out;
}

/** Where failure domains are read from Nova (`detection.failureDomainsFrom`). */
export type FailureDomainSource =
  { source: 'aggregate-metadata'; key: string } | { source: 'availability-zone' };

/** What Nova says about where hosts are: host aggregates and nova-compute services. */
export interface NovaPlacement {
  aggregates: ReadonlyArray<{
    name: string;
    hosts: readonly string[];
    metadata: Readonly<Record<string, string>>;
  }>;
  services: ReadonlyArray<{ host: string; zone?: string }>;
}

/** Same rule as `detection.failureDomains` values: a `/`-separated path of names. */
const DOMAIN_PATH = /^[A-Za-z0-9._:-]+(\/[A-Za-z0-9._:-]+)*$/;
/** Nova's default availability zone: every host not placed in one, not a thing that fails together. */
const NOVA_DEFAULT_ZONE = 'nova';

/**
 * Host → failure-domain path from Nova. With `aggregate-metadata`, a host in several aggregates whose
 * metadata disagree on the key gets the first value by aggregate name, and the conflict is reported;
 * values that are not paths are skipped and reported. Pure.
 */
export function domainsFromNova(
  from: FailureDomainSource,
  nova: NovaPlacement,
): { domains: Map<string, string>; problems: string[] } {
  const domains = new Map<string, string>();
  const problems: string[] = [];
  if (from.source === 'availability-zone') {
    for (const { host, zone } of nova.services)
      if (zone && zone !== NOVA_DEFAULT_ZONE && DOMAIN_PATH.test(zone)) domains.set(host, zone);
    return { domains, problems };
  }
  const sorted = [...nova.aggregates].sort((a, b) => a.name.localeCompare(b.name));
  for (const aggregate of sorted) {
    const value = aggregate.metadata[from.key];
    if (value === undefined) continue;
    if (!DOMAIN_PATH.test(value)) {
      problems.push(
        `aggregate ${aggregate.name}: ${from.key}=${JSON.stringify(value)} is not a /-separated path`,
      );
      continue;
    }
    for (const host of aggregate.hosts) {
      const known = domains.get(host);
      if (known === undefined) domains.set(host, value);
      else if (known !== value)
        problems.push(`${host}: aggregates disagree on ${from.key} (${known}, ${value}); using ${known}`);
    }
  }
  return { domains, problems };
}
