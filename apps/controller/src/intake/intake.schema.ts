import { z } from 'zod';

const hostName = z.string().min(1).max(255);

/** The Heartbeat contract (libs/contracts heartbeat.ts) as parsed at the edge; unknown keys are dropped. */
export const heartbeatBodySchema = z.object({
  v: z.literal(1),
  host: hostName,
  bootId: z.string().min(1).max(64),
  seq: z.number().int().min(0),
  runId: z.string().min(1).max(64),
  monoMs: z.number().min(0),
  intervalMs: z.number().int().min(1),
  components: z.record(
    z.string().min(1).max(64),
    z.object({
      state: z.enum(['ok', 'failed', 'unknown']),
      reason: z.string().max(1024).optional(),
      checkedAt: z.number().optional(),
    }),
  ),
  peers: z
    .array(
      z.object({
        host: hostName,
        reachable: z.boolean(),
        refused: z.boolean().optional(),
        rttMs: z.number().min(0).optional(),
        ageMs: z.number().min(0).max(3_600_000).optional(),
      }),
    )
    .max(1024)
    .optional(),
  goingDown: z.literal(true).optional(),
});
export type HeartbeatBody = z.infer<typeof heartbeatBodySchema>;

/** Masakari's VM notification payload plus the time the monitor saw it. */
export const instanceEventBodySchema = z.object({
  instance_uuid: z.string().min(1).max(64),
  vir_domain_event: z.string().min(1).max(64),
  event: z.string().min(1).max(64),
  generated_time: z
    .union([z.string().min(1).max(64), z.number()])
    .transform((v) => String(v))
    // Downstream turns it into a Date and formats it as Masakari does: an unparseable or out-of-range
    // time ("not-a-date", 1e20) must be a 400 here, not a RangeError later.
    .refine(isFormattableTime, { message: 'generated_time is not a valid date-time' }),
});

/** True when `new Date(text)` is a real date with a four-digit year (what Masakari's format can show). */
export function isFormattableTime(text: string): boolean {
  const time = new Date(text).getTime();
  if (!Number.isFinite(time)) return false;
  const year = new Date(time).getUTCFullYear();
  return year >= 1 && year <= 9999;
}
