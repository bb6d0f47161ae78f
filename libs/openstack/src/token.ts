import { z } from 'zod';

/** Keystone catalog entry (openstack-api.md §1.2). */
export const catalogEntrySchema = z.object({
  type: z.string(),
  name: z.string().optional(),
  id: z.string().optional(),
  endpoints: z.array(
    z.object({
      id: z.string().optional(),
      interface: z.string(),
      region_id: z.string().nullish(),
      region: z.string().nullish(),
      url: z.string(),
    }),
  ),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

const named = z.object({ id: z.string(), name: z.string().optional() });

export const tokenBodySchema = z.object({
  token: z.object({
    expires_at: z.string(),
    issued_at: z.string().optional(),
    methods: z.array(z.string()).optional(),
    user: named.extend({ domain: named.partial().optional() }),
    project: named.extend({ domain: named.partial().optional() }).optional(),
    roles: z.array(z.object({ id: z.string().optional(), name: z.string() })).optional(),
    catalog: z.array(catalogEntrySchema).optional(),
    application_credential: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  }),
});
export type TokenBody = z.infer<typeof tokenBodySchema>;

/** What Keystone told us about a token, in our terms. */
export interface TokenInfo {
  userId: string;
  userName?: string;
  projectId?: string;
  projectName?: string;
  roles: readonly string[];
  /** Epoch ms. */
  expiresAtMs: number;
  catalog: readonly CatalogEntry[];
}

/**
 * Pure: `expires_at` to epoch ms. Keystone normally writes microseconds and `Z`, but an application
 * credential's own expiry is written with `isoformat()` (maybe no fraction, no offset): no offset = UTC.
 */
export function parseExpiresAt(raw: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    raw.trim(),
  );
  if (!m) return undefined;
  const [, date, time, fraction, offset] = m;
  const ms = (fraction ?? '').padEnd(3, '0').slice(0, 3);
  const seconds = time && time.length === 5 ? `${time}:00` : time;
  const zone =
    !offset || offset.toUpperCase() === 'Z'
      ? 'Z'
      : offset.includes(':')
        ? offset
        : `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const value = Date.parse(`${date}T${seconds}.${ms}${zone}`);
  return Number.isNaN(value) ? undefined : value;
}

export function toTokenInfo(body: TokenBody, expiresAtMs: number): TokenInfo {
  const t = body.token;
  return {
    userId: t.user.id,
    userName: t.user.name,
    projectId: t.project?.id,
    projectName: t.project?.name,
    roles: (t.roles ?? []).map((r) => r.name),
    expiresAtMs,
    catalog: t.catalog ?? [],
  };
}

export interface EndpointQuery {
  /** Service type, e.g. `compute`, `instance-ha`. */
  type: string;
  /** `public|internal|admin`; keystoneauth's `publicURL` style is accepted too. */
  interface: string;
  /** Region id; unset = the first endpoint of the interface. */
  region?: string;
}

/** keystoneauth strips a trailing `URL` (`internalURL` → `internal`). */
export function normalizeInterface(name: string): string {
  return name.replace(/URL$/, '').toLowerCase();
}

/** Pure: type → interface → region, in that order, as keystoneauth does. */
export function selectEndpoint(catalog: readonly CatalogEntry[], query: EndpointQuery): string | undefined {
  const wanted = normalizeInterface(query.interface);
  for (const service of catalog) {
    if (service.type !== query.type) continue;
    const match = service.endpoints.find(
      (e) =>
        normalizeInterface(e.interface) === wanted &&
        (query.region === undefined || e.region_id === query.region || e.region === query.region),
    );
    if (match) return match.url;
  }
  return undefined;
}
