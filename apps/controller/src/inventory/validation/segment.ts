import { type z } from 'zod';
import {
  checkBooleanLike,
  checkEnum,
  checkName,
  checkString,
  field,
  parseBody,
  ROOT,
  strictObject,
  toBoolean,
} from './common';

export const RECOVERY_METHODS = ['auto', 'reserved_host', 'auto_priority', 'rh_priority'] as const;
export type RecoveryMethod = (typeof RECOVERY_METHODS)[number];

/** `enabled` exists from microversion 1.2; below it the field is an additional property (400). */
export const SEGMENT_ENABLED_MIN_MICROVERSION = 2;

const fields = {
  name: field<string>('name', checkName),
  recovery_method: field<RecoveryMethod>('recovery_method', checkEnum(RECOVERY_METHODS)),
  service_type: field<string>('service_type', checkName),
  description: field<string | null>('description', checkString({ max: 255, nullable: true })),
  enabled: field<boolean | string>('enabled', checkBooleanLike),
};

const createShape = {
  name: fields.name,
  recovery_method: fields.recovery_method,
  service_type: fields.service_type,
  description: fields.description.optional(),
};
const updateShape = {
  name: fields.name.optional(),
  recovery_method: fields.recovery_method.optional(),
  service_type: fields.service_type.optional(),
  description: fields.description.optional(),
};
const enabledShape = { enabled: fields.enabled.optional() };

const wrap = <T>(inner: z.ZodType<T>) => strictObject(ROOT, { segment: inner });

/** Index 0: below 1.2 (no `enabled`); index 1: from 1.2. */
const schemas = {
  create: [
    wrap(strictObject('segment', createShape)),
    wrap(strictObject('segment', { ...createShape, ...enabledShape })),
  ],
  update: [
    wrap(strictObject('segment', updateShape, { minProperties: 1 })),
    wrap(strictObject('segment', { ...updateShape, ...enabledShape }, { minProperties: 1 })),
  ],
} as const;

export interface SegmentCreateInput {
  name: string;
  recovery_method: RecoveryMethod;
  service_type: string;
  description: string | null;
  enabled: boolean;
}
export type SegmentUpdateInput = Partial<SegmentCreateInput>;

interface RawSegment {
  name?: string;
  recovery_method?: RecoveryMethod;
  service_type?: string;
  description?: string | null;
  enabled?: boolean | string;
}

function normalize(raw: RawSegment): SegmentUpdateInput {
  const out: SegmentUpdateInput = {};
  if (raw.name !== undefined) out.name = raw.name;
  if (raw.recovery_method !== undefined) out.recovery_method = raw.recovery_method;
  if (raw.service_type !== undefined) out.service_type = raw.service_type;
  if (raw.description !== undefined) out.description = raw.description;
  if (raw.enabled !== undefined) out.enabled = toBoolean(raw.enabled);
  return out;
}

/** `POST /v1/segments` body; `minor` is the request's microversion minor (1.x). */
export function parseSegmentCreate(body: unknown, minor: number): SegmentCreateInput {
  const schema: z.ZodType<{ segment: RawSegment }> =
    schemas.create[minor >= SEGMENT_ENABLED_MIN_MICROVERSION ? 1 : 0];
  const raw = parseBody(schema, body).segment;
  const n = normalize(raw);
  return {
    name: n.name ?? '',
    recovery_method: n.recovery_method ?? 'auto',
    service_type: n.service_type ?? '',
    description: n.description ?? null,
    enabled: n.enabled ?? true,
  };
}

/** `PUT /v1/segments/{id}` body: same fields, all optional, at least one. */
export function parseSegmentUpdate(body: unknown, minor: number): SegmentUpdateInput {
  const schema: z.ZodType<{ segment: RawSegment }> =
    schemas.update[minor >= SEGMENT_ENABLED_MIN_MICROVERSION ? 1 : 0];
  return normalize(parseBody(schema, body).segment);
}
