import { z } from 'zod';

/**
 * The whole configuration of a Vigil controller, validated once at boot.
 * Units are in the names (`...Ms`, `...S`, `...Bytes`). Every key is documented in docs/configuration.md;
 * a spec checks that the document and this schema list the same keys.
 */
const hostPort = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();

export const apiSchema = z
  .object({
    /** Listen address. Default 127.0.0.1: expose it deliberately. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Listen port; Masakari's own default. 0 picks a free port (tests). */
    port: z.number().int().min(0).max(65535).default(15868),
    /** Largest request body accepted; bigger ones get 413. */
    maxBodyBytes: z.number().int().min(1024).default(1_048_576),
    /** `osapi_max_limit`: the cap on `limit` in list calls. */
    maxListLimit: z.number().int().min(1).default(1000),
  })
  .strict();

export const redisSchema = z
  .object({
    /** `redis://[:password@]host:port/db`. Unset (and no sentinels) = embedded redis-server. */
    url: z.string().url().optional(),
    /** Sentinel addresses; when set, `name` is the monitored master. */
    sentinels: z.array(hostPort).min(1).optional(),
    name: z.string().min(1).optional(),
    /** Password for Redis (and for Sentinel when `sentinelPassword` is unset). Never logged. */
    password: z.string().optional(),
    sentinelPassword: z.string().optional(),
    /** Prefix of every key Vigil writes, so several deployments can share one Redis. */
    keyPrefix: z.string().min(1).default('vigil:'),
    /** Per-command timeout; a command that takes longer fails with 503 on the API. */
    commandTimeoutMs: z.number().int().min(50).default(2000),
    embedded: z
      .object({
        /** redis-server binary started when no Redis is configured. */
        binary: z.string().min(1).default('redis-server'),
        /** Directory holding the append-only file. */
        dataDir: z.string().min(1).default('.vigil-data/redis'),
        /** Loopback port of the embedded server; 0 picks a free one. */
        port: z.number().int().min(0).max(65535).default(0),
      })
      .strict()
      .default({ binary: 'redis-server', dataDir: '.vigil-data/redis', port: 0 }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.sentinels && !v.name)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'required with sentinels' });
    if (v.sentinels && v.url)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'set either url or sentinels, not both' });
  });

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** `json` for machines (default), `pretty` for a terminal. */
    format: z.enum(['json', 'pretty']).default('json'),
  })
  .strict();

export const keystoneSchema = z
  .object({
    /** Keystone v3 base URL, e.g. `http://keystone:5000/v3` (a trailing `/v3` is optional). */
    authUrl: z.string().url(),
    username: z.string().min(1).optional(),
    userDomainName: z.string().min(1).default('Default'),
    password: z.string().min(1).optional(),
    projectName: z.string().min(1).optional(),
    projectDomainName: z.string().min(1).default('Default'),
    applicationCredentialId: z.string().min(1).optional(),
    applicationCredentialSecret: z.string().min(1).optional(),
    /** Endpoint interface picked from the catalog. */
    interface: z.enum(['public', 'internal', 'admin']).default('internal'),
    /** Region of endpoints; unset = the first endpoint of the interface. */
    region: z.string().min(1).optional(),
    /** Timeout of every Keystone request. */
    timeoutMs: z.number().int().min(100).default(10_000),
    /** Re-authenticate when the token has less than this left (keystoneauth uses 120 s). */
    renewBeforeExpiryMs: z.number().int().min(0).default(120_000),
  })
  .strict()
  .superRefine((v, ctx) => {
    const appCred = v.applicationCredentialId !== undefined || v.applicationCredentialSecret !== undefined;
    if (appCred) {
      if (!v.applicationCredentialId || !v.applicationCredentialSecret)
        ctx.addIssue({
          code: 'custom',
          path: ['applicationCredentialSecret'],
          message: 'applicationCredentialId and applicationCredentialSecret go together',
        });
      return;
    }
    for (const key of ['username', 'password', 'projectName'] as const)
      if (!v[key])
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'required unless an application credential is set',
        });
  });

export const authSchema = z
  .object({
    /** `keystone` validates X-Auth-Token; `noauth` accepts anyone (development only, warns at boot). */
    strategy: z.enum(['keystone', 'noauth']).default('keystone'),
    /** Role a token must carry to use the API (Masakari's default policy: admin). */
    requiredRole: z.string().min(1).default('admin'),
    /** How long a validated token is trusted before asking Keystone again. */
    tokenCacheTtlMs: z.number().int().min(0).default(30_000),
  })
  .strict();

export const novaSchema = z
  .object({
    /** Compute endpoint; unset = from the Keystone catalog (type `compute`). */
    endpointOverride: z.string().url().optional(),
    /** Timeout of every Nova request. */
    timeoutMs: z.number().int().min(100).default(30_000),
    /** Attempts of idempotent calls on 5xx / connection errors (evacuate is never blindly repeated). */
    maxRetries: z.number().int().min(0).max(10).default(3),
    /** First backoff step; doubled each retry, with jitter. */
    retryBaseDelayMs: z.number().int().min(0).default(250),
  })
  .strict();

export const secretsSchema = z
  .object({
    /** 32-byte key, base64, encrypting BMC passwords at rest (AES-256-GCM). Unset = a key file in the data dir. */
    encryptionKey: z
      .string()
      .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
      .optional(),
  })
  .strict();

export const masakariSchema = z
  .object({
    /** `duplicate_notification_detection_interval`: identical notifications within it get 409. */
    duplicateNotificationDetectionIntervalS: z.number().int().min(0).default(180),
  })
  .strict();

export const controllerConfigSchema = z
  .object({
    /** Directory for embedded Redis data and the generated encryption key. */
    dataDir: z.string().min(1).default('.vigil-data'),
    api: apiSchema.default(apiSchema.parse({})),
    redis: redisSchema.default(redisSchema.parse({})),
    log: logSchema.default(logSchema.parse({})),
    auth: authSchema.default(authSchema.parse({})),
    keystone: keystoneSchema.optional(),
    nova: novaSchema.default(novaSchema.parse({})),
    secrets: secretsSchema.default({}),
    masakari: masakariSchema.default(masakariSchema.parse({})),
  })
  .strict()
  // `when` runs this check even if other keys failed, so the boot error lists every problem at once.
  .refine((v) => v.auth?.strategy !== 'keystone' || v.keystone !== undefined, {
    path: ['keystone'],
    message: 'required when auth.strategy is keystone',
    when: () => true,
  });

export type ControllerConfig = z.infer<typeof controllerConfigSchema>;
export type RedisConfig = z.infer<typeof redisSchema>;
export type KeystoneConfig = z.infer<typeof keystoneSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type NovaConfig = z.infer<typeof novaSchema>;
export type LogConfig = z.infer<typeof logSchema>;
