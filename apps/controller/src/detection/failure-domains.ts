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
 * network event until proven otherwise. A BMC reading Off is direct evidence of death and takes the
 * host out (so its own hold ends). A BMC that did not answer this sweep proves nothing either way (the
 * same event may cut the out-of-band network): it stays held, as On. Hosts in different domains are
 * never correlated.
 */
export function correlatedSilences(silences: readonly Silence[]): Map<string, Correlation> {
  const powered = silences.filter((s) => s.domain !== undefined && s.bmc !== 'off');
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
