import { parseIso8601 } from '../time';
import { invalidInput } from './common';

/**
 * Masakari's list parameters: `limit` (capped), `marker` (the integer id of the last item seen),
 * repeated `sort_key`/`sort_dir` (default `created_at desc`), plus per-resource filters.
 */
export type SortDir = 'asc' | 'desc';
export interface SortSpec {
  key: string;
  dir: SortDir;
}
export interface PageQuery {
  limit: number;
  /** Raw marker; the store looks it up by integer id (unknown ⇒ 400 "Marker not found"). */
  marker?: string;
  sort: SortSpec[];
}

export type RawQuery = Record<string, unknown>;

function values(query: RawQuery, name: string): string[] {
  const v = query[name];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

function single(query: RawQuery, name: string): string | undefined {
  const all = values(query, name);
  return all[all.length - 1];
}

export function parsePageQuery(
  query: RawQuery,
  opts: { sortKeys: readonly string[]; maxLimit: number },
): PageQuery {
  const rawLimit = single(query, 'limit');
  let limit = opts.maxLimit;
  if (rawLimit !== undefined) {
    if (!/^-?\d+$/.test(rawLimit.trim())) throw invalidInput('limit param must be an integer');
    const n = Number(rawLimit);
    if (n < 0) throw invalidInput('limit param must be positive');
    limit = Math.min(n, opts.maxLimit);
  }
  const keys = values(query, 'sort_key');
  const dirs = values(query, 'sort_dir');
  for (const key of keys) if (!opts.sortKeys.includes(key)) throw invalidInput(`Invalid sort_key: ${key}`);
  for (const dir of dirs)
    if (dir !== 'asc' && dir !== 'desc')
      throw invalidInput("Unknown sort direction, must be 'desc' or 'asc'");
  if (dirs.length > keys.length && keys.length > 0)
    throw invalidInput('Sort direction size exceeds sort key size');
  const defaultDir: SortDir = (dirs[0] as SortDir | undefined) ?? 'desc';
  const sort: SortSpec[] = keys.length
    ? keys.map((key, i) => ({ key, dir: (dirs[i] as SortDir | undefined) ?? defaultDir }))
    : [{ key: 'created_at', dir: defaultDir }];
  // oslo.db's process_sort_params: created_at and id break ties so paging is stable.
  for (const key of ['created_at', 'id'])
    if (!sort.some((s) => s.key === key)) sort.push({ key, dir: defaultDir });
  const marker = single(query, 'marker');
  return { limit, sort, ...(marker !== undefined ? { marker } : {}) };
}

type Comparable = string | number | boolean | null | undefined;

function compareValues(a: Comparable, b: Comparable): number {
  if (a === b) return 0;
  // NULL sorts first ascending, as MySQL does.
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : 1;
}

export function comparator<T>(sort: readonly SortSpec[], valueOf: (item: T, key: string) => Comparable) {
  return (a: T, b: T): number => {
    for (const { key, dir } of sort) {
      const c = compareValues(valueOf(a, key), valueOf(b, key));
      if (c !== 0) return dir === 'asc' ? c : -c;
    }
    return 0;
  };
}

/** Sorts, skips past the marker item (which need not match the filters) and applies the limit. */
export function sortAndPage<T>(
  items: readonly T[],
  page: PageQuery,
  markerItem: T | undefined,
  valueOf: (item: T, key: string) => Comparable,
): T[] {
  const cmp = comparator(page.sort, valueOf);
  let sorted = [...items].sort(cmp);
  if (markerItem !== undefined) sorted = sorted.filter((item) => cmp(item, markerItem) > 0);
  return sorted.slice(0, page.limit);
}

/** oslo's bool_from_string: non-strict ⇒ unknown is false; strict ⇒ unknown is a 400. */
const TRUTHY = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSY = ['0', 'f', 'false', 'off', 'n', 'no'];
export function boolFromString(value: string, strict: boolean, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUTHY.includes(v)) return true;
  if (!strict || FALSY.includes(v)) return false;
  throw invalidInput(
    `Invalid value for ${name}: Unrecognized value '${value}', acceptable values are: '${[...TRUTHY, ...FALSY].join("', '")}'`,
  );
}

export const SEGMENT_SORT_KEYS = [
  'created_at',
  'description',
  'id',
  'name',
  'recovery_method',
  'service_type',
  'updated_at',
  'uuid',
  'enabled',
] as const;
export const HOST_SORT_KEYS = [
  'created_at',
  'type',
  'control_attributes',
  'failover_segment_id',
  'id',
  'name',
  'on_maintenance',
  'reserved',
  'updated_at',
  'uuid',
] as const;
export const NOTIFICATION_SORT_KEYS = [
  'type',
  'status',
  'generated_time',
  'created_at',
  'updated_at',
  'id',
  'notification_uuid',
  'source_host_uuid',
] as const;

export interface SegmentFilters {
  recovery_method?: string;
  service_type?: string;
  enabled?: boolean;
}
export function parseSegmentFilters(query: RawQuery): SegmentFilters {
  const out: SegmentFilters = {};
  const rm = single(query, 'recovery_method');
  const st = single(query, 'service_type');
  const en = single(query, 'enabled');
  if (rm !== undefined) out.recovery_method = rm;
  if (st !== undefined) out.service_type = st;
  if (en !== undefined) out.enabled = boolFromString(en, false, 'enabled');
  return out;
}

export interface HostFilters {
  name?: string;
  type?: string;
  control_attributes?: string;
  on_maintenance?: boolean;
  reserved?: boolean;
}
export function parseHostFilters(query: RawQuery): HostFilters {
  const out: HostFilters = {};
  for (const key of ['name', 'type', 'control_attributes'] as const) {
    const v = single(query, key);
    if (v !== undefined) out[key] = v;
  }
  for (const key of ['on_maintenance', 'reserved'] as const) {
    const v = single(query, key);
    if (v !== undefined) out[key] = boolFromString(v, true, key);
  }
  return out;
}

export interface NotificationFilters {
  status?: string;
  source_host_uuid?: string;
  type?: string;
  generatedSince?: Date;
}
export function parseNotificationFilters(query: RawQuery): NotificationFilters {
  const out: NotificationFilters = {};
  for (const key of ['status', 'source_host_uuid', 'type'] as const) {
    const v = single(query, key);
    if (v !== undefined) out[key] = v;
  }
  const since = single(query, 'generated-since');
  if (since !== undefined) {
    const at = parseIso8601(since);
    if (!at) throw invalidInput(`Invalid generated-since: ${since}`);
    out.generatedSince = at;
  }
  return out;
}
export const VMOVE_SORT_KEYS = [
  'created_at',
  'updated_at',
  'id',
  'uuid',
  'instance_uuid',
  'instance_name',
  'source_host',
  'dest_host',
  'start_time',
  'end_time',
  'type',
  'status',
] as const;
