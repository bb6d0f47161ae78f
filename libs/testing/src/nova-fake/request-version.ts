/** Result of reading a request's compute microversion headers (minor numbers of 2.x). */
export type RequestedVersion =
  { kind: 'ok'; minor: number } | { kind: 'malformed'; raw: string } | { kind: 'unsupported'; raw: string };

/**
 * Pure: Nova's header rules (openstack-api.md §2.1). `OpenStack-API-Version: compute X.Y` wins over the
 * legacy `X-OpenStack-Nova-API-Version: X.Y`; none ⇒ 2.1; `latest` ⇒ max; outside [2.1, max] ⇒ 406;
 * unparseable ⇒ 400.
 */
export function readRequestedVersion(
  standard: string | undefined,
  legacy: string | undefined,
  maxMinor: number,
): RequestedVersion {
  const fromStandard = standard
    ?.split(',')
    .map((s) => s.trim().split(/\s+/))
    .find(([service]) => service?.toLowerCase() === 'compute')?.[1];
  const raw = fromStandard ?? legacy?.trim();
  if (raw === undefined || raw === '') return { kind: 'ok', minor: 1 };
  if (raw.toLowerCase() === 'latest') return { kind: 'ok', minor: maxMinor };
  const m = /^(\d+)\.(\d+)$/.exec(raw);
  if (!m) return { kind: 'malformed', raw };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 2 || minor < 1 || minor > maxMinor) return { kind: 'unsupported', raw };
  return { kind: 'ok', minor };
}
