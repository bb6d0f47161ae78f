import { z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';

/** Vigil's own per-host fencing settings (kept out of Masakari's strict host schema). */
export const FENCING_DRIVERS = ['ipmitool', 'fence-agent', 'redfish', 'fake'] as const;
export type FencingDriverName = (typeof FENCING_DRIVERS)[number];
export type FencingOptionValue = string | number | boolean;

/** Option keys that hold secrets: stored encrypted, never returned. */
const SECRET_OPTION_KEY =
  /pass(wd|word)?|secret|token|api[-_]?key|credential|community|private[-_]?key|^key$/i;
export const isSecretOptionKey = (key: string): boolean => SECRET_OPTION_KEY.test(key);

/**
 * Option keys that name a program the controller would run as root with the BMC password at hand:
 * ipmitool's `ipmitoolPath`, fence agents' `ipmitool_path`, `sudo_path`, `ssh_path`, ... and anything
 * command-like. Whoever installs the controller sets those in its config file; an API caller never does.
 * `systemPath` is a Redfish URL path, not a program.
 */
const EXECUTABLE_OPTION_KEY = /(path|binary|bin|exe|exec|command|cmd|program|prog)$/i;
const NOT_EXECUTABLE = new Set(['systemPath']);
export const isExecutableOptionKey = (key: string): boolean =>
  !NOT_EXECUTABLE.has(key) && EXECUTABLE_OPTION_KEY.test(key.replace(/[-_.]/g, ''));

const fencingSettingsSchema = z
  .strictObject({
    driver: z.enum(FENCING_DRIVERS),
    address: z.string().trim().min(1).max(255),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1).max(255).optional(),
    /** Omitted = keep the stored password; null = remove it. */
    password: z.string().min(1).max(1024).nullable().optional(),
    options: z
      .record(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/),
        z.union([z.string().max(1024), z.number(), z.boolean()]),
      )
      .optional(),
    agent: z
      .string()
      .regex(/^fence_[a-z0-9_]+$/)
      .optional(),
  })
  .superRefine((v, ctx) => {
    for (const key of Object.keys(v.options ?? {}))
      if (isExecutableOptionKey(key))
        ctx.addIssue({
          code: 'custom',
          path: ['options', key],
          message:
            'names a program to run: executable paths are set in the controller config file (fencing.*), never through the API',
        });
    if (v.driver === 'fence-agent' && !v.agent)
      ctx.addIssue({ code: 'custom', path: ['agent'], message: 'required when driver is fence-agent' });
    if (v.driver !== 'fence-agent' && v.agent)
      ctx.addIssue({ code: 'custom', path: ['agent'], message: 'only valid with driver fence-agent' });
  });

export type FencingSettingsInput = z.infer<typeof fencingSettingsSchema>;

export function parseFencingSettings(body: unknown): FencingSettingsInput {
  const result = fencingSettingsSchema.safeParse(body);
  if (result.success) return result.data;
  // Issue texts name the path and rule, never the value, so a rejected password is not echoed.
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new VigilError(ErrorCode.BAD_REQUEST, `Invalid fencing settings: ${problems.join('; ')}`, {
    problems,
  });
}
