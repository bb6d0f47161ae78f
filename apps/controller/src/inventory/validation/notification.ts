import { type z } from 'zod';
import { parseIso8601 } from '../time';
import {
  type Check,
  bare,
  checkEnum,
  checkString,
  field,
  fieldMessage,
  invalidInput,
  parseBody,
  pyRepr,
  ROOT,
  strictObject,
} from './common';

export const NOTIFICATION_TYPES = ['COMPUTE_HOST', 'VM', 'PROCESS'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

const HOSTNAME_PATTERN = /^[a-zA-Z0-9-._]*$/;
const PAYLOAD_KEY_PATTERN = /^[a-zA-Z0-9-_:. ]{1,255}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

const checkGeneratedTime: Check = (v) => {
  if (typeof v !== 'string') return `${pyRepr(v)} is not of type 'string'`;
  return parseIso8601(v) ? undefined : `'${v}' is not a 'date-time'`;
};

/** Masakari's generic payload rule: keys by pattern, every value a string of at most 255 characters. */
const checkPayload: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${pyRepr(v)} is not of type 'object'`;
  const badKeys = Object.keys(v).filter((k) => !PAYLOAD_KEY_PATTERN.test(k));
  if (badKeys.length > 0)
    return bare(
      `Additional properties are not allowed (${badKeys.map((k) => `'${k}'`).join(', ')} ${badKeys.length > 1 ? 'were' : 'was'} unexpected)`,
    );
  for (const [key, value] of Object.entries(v)) {
    const reason = checkString({ max: 255 })(value);
    if (reason) return bare(fieldMessage(key, value, reason));
  }
  return undefined;
};

const envelope = strictObject(ROOT, {
  notification: strictObject('notification', {
    type: field<NotificationType>('type', checkEnum(NOTIFICATION_TYPES)),
    hostname: field<string>('hostname', checkString({ min: 1, max: 255, pattern: HOSTNAME_PATTERN })),
    generated_time: field<string>('generated_time', checkGeneratedTime),
    payload: field<Record<string, string>>('payload', checkPayload),
  }),
});

const EVENTS = ['STARTED', 'STOPPED'] as const;
const anyText = checkString({ min: 1, max: 255 });
const checkUuid: Check = (v) =>
  typeof v === 'string' && !UUID_PATTERN.test(v) ? `'${v}' is not a 'uuid'` : anyText(v);

const payloadSchemas: Record<NotificationType, z.ZodType<Record<string, string>>> = {
  COMPUTE_HOST: strictObject('payload', {
    event: field<string>('event', checkEnum(EVENTS)),
    host_status: field<string>('host_status', checkEnum(['NORMAL', 'UNKNOWN'])).optional(),
    cluster_status: field<string>('cluster_status', checkEnum(['ONLINE', 'OFFLINE'])).optional(),
  }),
  PROCESS: strictObject('payload', {
    process_name: field<string>('process_name', anyText),
    event: field<string>('event', checkEnum(EVENTS)),
  }),
  VM: strictObject('payload', {
    instance_uuid: field<string>('instance_uuid', checkUuid),
    vir_domain_event: field<string>('vir_domain_event', anyText),
    event: field<string>('event', anyText),
  }),
};

export interface NotificationCreateInput {
  type: NotificationType;
  hostname: string;
  /** Parsed `generated_time`. */
  generatedAt: Date;
  payload: Record<string, string>;
}

export function parseNotificationCreate(body: unknown): NotificationCreateInput {
  const n = parseBody(envelope, body).notification;
  const generatedAt = parseIso8601(n.generated_time);
  if (!generatedAt) throw invalidInput(`Invalid generated_time: ${n.generated_time}`);
  const payload = parseBody(payloadSchemas[n.type], n.payload);
  return { type: n.type, hostname: n.hostname, generatedAt, payload };
}
