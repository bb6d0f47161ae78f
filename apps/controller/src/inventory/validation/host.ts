import { type z } from 'zod';
import {
  checkBooleanLike,
  checkName,
  checkString,
  field,
  parseBody,
  ROOT,
  strictObject,
  toBoolean,
} from './common';

const HOST_TYPE_PATTERN = /^[a-zA-Z0-9]*$/;

// Masakari allows null for `type` and `control_attributes`, then fails with a 500 on the NOT NULL
// column; rejecting null here turns that into the 400 it should have been.
const fields = {
  name: field<string>('name', checkName),
  type: field<string>('type', checkString({ max: 255, pattern: HOST_TYPE_PATTERN })),
  control_attributes: field<string>('control_attributes', checkString({ max: 255 })),
  reserved: field<boolean | string>('reserved', checkBooleanLike),
  on_maintenance: field<boolean | string>('on_maintenance', checkBooleanLike),
};

const createSchema = strictObject(ROOT, {
  host: strictObject('host', {
    name: fields.name,
    type: fields.type,
    control_attributes: fields.control_attributes,
    reserved: fields.reserved.optional(),
    on_maintenance: fields.on_maintenance.optional(),
  }),
});

const updateSchema = strictObject(ROOT, {
  host: strictObject(
    'host',
    {
      name: fields.name.optional(),
      type: fields.type.optional(),
      control_attributes: fields.control_attributes.optional(),
      reserved: fields.reserved.optional(),
      on_maintenance: fields.on_maintenance.optional(),
    },
    { minProperties: 1 },
  ),
});

export interface HostCreateInput {
  name: string;
  type: string;
  control_attributes: string;
  reserved: boolean;
  on_maintenance: boolean;
}
export type HostUpdateInput = Partial<HostCreateInput>;

interface RawHost {
  name?: string;
  type?: string;
  control_attributes?: string;
  reserved?: boolean | string;
  on_maintenance?: boolean | string;
}

function normalize(raw: RawHost): HostUpdateInput {
  const out: HostUpdateInput = {};
  if (raw.name !== undefined) out.name = raw.name;
  if (raw.type !== undefined) out.type = raw.type;
  if (raw.control_attributes !== undefined) out.control_attributes = raw.control_attributes;
  if (raw.reserved !== undefined) out.reserved = toBoolean(raw.reserved);
  if (raw.on_maintenance !== undefined) out.on_maintenance = toBoolean(raw.on_maintenance);
  return out;
}

export function parseHostCreate(body: unknown): HostCreateInput {
  const schema: z.ZodType<{ host: RawHost }> = createSchema;
  const n = normalize(parseBody(schema, body).host);
  return {
    name: n.name ?? '',
    type: n.type ?? '',
    control_attributes: n.control_attributes ?? '',
    reserved: n.reserved ?? false,
    on_maintenance: n.on_maintenance ?? false,
  };
}

export function parseHostUpdate(body: unknown): HostUpdateInput {
  const schema: z.ZodType<{ host: RawHost }> = updateSchema;
  return normalize(parseBody(schema, body).host);
}
