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

/** Heartbeat and instance-event intake (signed by each host monitor). */
export const intakeSchema = z
  .object({
    /**
     * Key each host's heartbeat secret is derived from (HMAC(key, host)); secret, at least 32 characters,
     * never logged. Unset = heartbeat intake disabled (its routes answer 503) and a warning at boot.
     */
    heartbeatMasterKey: z.string().min(32).optional(),
    /** Largest accepted gap between a signature's timestamp and our clock, ms (409 beyond). Default 30000, the contract's cap. */
    maxSkewMs: z.number().int().min(100).max(30_000).default(30_000),
    /**
     * Unused since heartbeats are admitted in Redis as they arrive (batched per round trip, see
     * `batchMaxHosts`); still accepted so existing config files load. Default 200.
     */
    flushIntervalMs: z.number().int().min(10).max(5000).default(200),
    /** Most heartbeats admitted in one Redis script call; more wait for the next round trip. Default 1000. */
    batchMaxHosts: z.number().int().min(1).max(100_000).default(1000),
    /**
     * Serve `POST /vigil/v1/heartbeats` from a plain node:http handler ahead of Express and Nest (same
     * port, same answers), which halves the CPU per heartbeat. `false` = through Nest like every route. Default true.
     */
    leanHeartbeatRoute: z.boolean().default(true),
    /** Instance events kept per host when no event sink is wired (capped list). Default 100. */
    instanceEventsKept: z.number().int().min(1).default(100),
  })
  .strict();

/**
 * A data-plane component (OVS, libvirt) dead on a heartbeating host: `evacuate` (still failed after
 * `dataPlaneGraceMs`: fence, then evacuate), `disable` (disable nova-compute + alert), `alert`.
 * `fence-and-evacuate` is the former name of `evacuate` (same behaviour, grace included).
 */
const componentPolicy = z.enum(['evacuate', 'fence-and-evacuate', 'disable', 'alert']);

/** Per-segment storm limits; a segment's own detection policy can override each key. */
export const stormGuardSchema = z
  .object({
    /** Hosts of a segment that turned suspect within this window count together, ms. Default 60000. */
    windowMs: z.number().int().min(100).default(60_000),
    /** More than this share (percent) of a segment suspect within the window suspends fencing there. Default 33. A lone suspect never trips it. */
    maxFailedPercent: z.number().min(0).max(100).default(33),
    /** More than this many suspect hosts of a segment within the window suspends fencing there. Unset = no absolute cap. */
    maxFailedHosts: z.number().int().min(1).optional(),
    /**
     * An engaged guard releases itself once the hosts it counted heartbeat again (those still silent
     * would not trip it alone) and this long passed with no new storm, ms; audited as `vigil`. 0 = only
     * operators release. Default 120000. A pinned guard never releases itself.
     */
    selfReleaseQuietMs: z.number().int().min(0).default(120_000),
  })
  .strict();

/** How suspect hosts are confirmed failed, and what component failures lead to. Segment policies override it. */
export const detectionPolicySchema = z
  .object({
    /** A host silent this long is suspect, ms. Default 3000. */
    heartbeatTimeoutMs: z.number().int().min(50).default(3000),
    /**
     * A suspect is confirmed no sooner than this after it went suspect, ms, so hosts that fail together
     * are all counted by the storm guard before any is fenced. Default 1000.
     */
    suspectHoldMs: z.number().int().min(0).default(1000),
    /** Independent pieces of evidence (besides silence) needed to confirm a suspect as failed. Default 1. */
    minEvidence: z.number().int().min(1).max(5).default(1),
    /** Evidence sources that count towards `minEvidence`. Default all five. */
    evidenceSources: z
      .array(z.enum(['nova', 'bmc', 'peers', 'masakari', 'alerts']))
      .min(1)
      .default(['nova', 'bmc', 'peers', 'masakari', 'alerts']),
    /** OVS dead on a heartbeating host. Default `evacuate` (its instances have no network; see docs/detection.md). */
    ovs: componentPolicy.default('evacuate'),
    /** libvirt dead on a heartbeating host. Default `disable`. */
    libvirt: componentPolicy.default('disable'),
    stormGuard: stormGuardSchema.default(stormGuardSchema.parse({})),
    /**
     * How long a data-plane component (OVS, libvirt) with policy `evacuate` may stay failed on a
     * heartbeating host before the host is fenced and evacuated, ms. Default 60000.
     */
    dataPlaneGraceMs: z.number().int().min(0).default(60_000),
    /**
     * Two or more hosts of one failure domain going silent within `correlatedSilenceWindowMs` of each
     * other while their BMCs read On look like a network event: fencing them is held this long after
     * each went silent, then each is judged alone on fresh evidence, ms. 0 = no hold. Default 60000.
     */
    correlatedSilenceHoldMs: z.number().int().min(0).default(60_000),
    /** Silences in one failure domain starting within this of each other are correlated, ms. Default 10000. */
    correlatedSilenceWindowMs: z.number().int().min(0).default(10_000),
    /**
     * An outside COMPUTE_HOST STOPPED notification (masakari-monitors, a script, an operator) about a
     * host Vigil sees alive: `evidence` (default) records it and ends it `ignored`; `order` recovers
     * the host as Masakari would (for clouds without Vigil monitors).
     */
    outsideHostNotifications: z.enum(['evidence', 'order']).default('evidence'),
  })
  .strict();

export const detectionSchema = detectionPolicySchema
  .extend({
    /** How often the leader evaluates every host, ms. Default 500. */
    sweepIntervalMs: z.number().int().min(20).default(500),
    /** Timeout of each Nova / BMC evidence probe; a probe that times out counts as unknown, ms. Default 2000. */
    evidenceTimeoutMs: z.number().int().min(10).default(2000),
    /** Masakari notifications and alerts older than this are no longer evidence, ms. Default 120000. */
    evidenceMaxAgeMs: z.number().int().min(100).default(120_000),
    /** Nova's `report_interval`: how often nova-compute refreshes its service's `updated_at`, until each service's own cadence is learnt, ms. Default 10000 (Nova's default). */
    novaReportIntervalMs: z.number().int().min(100).default(10_000),
    /** A nova-compute report later than its cadence by more than this is dead evidence (long before Nova's `state` flips), ms. Default 5000. */
    novaReportToleranceMs: z.number().int().min(0).default(5000),
    /** Timeline entries kept per host. Default 200. */
    timelineMaxEntries: z.number().int().min(1).default(200),
    /** Share (percent) of all monitored hosts going silent within `cliffWindowMs` that means our own network failed. Default 50. */
    cliffPercent: z.number().min(1).max(100).default(50),
    /** Window of the heartbeat-cliff detector, ms. Default 10000. */
    cliffWindowMs: z.number().int().min(100).default(10_000),
    /** Below this many monitored hosts the cliff detector stays off (one host of two is not a cliff). Default 4. */
    cliffMinHosts: z.number().int().min(2).default(4),
    /**
     * Failure-domain path of each host (`region/row/rack/switch`, `/`-separated, e.g.
     * `dc1/row-2/rack-07`): hosts with the same path share a switch, PDU or rack, so their correlated
     * silence is held (`correlatedSilenceHoldMs`). Hosts not listed have no domain. Default {}.
     */
    failureDomains: z
      .record(
        z.string().min(1).max(255),
        z.string().regex(/^[A-Za-z0-9._:-]+(\/[A-Za-z0-9._:-]+)*$/, 'a /-separated path of names'),
      )
      .default({}),
    /**
     * Where to read the failure domain of hosts not listed in `failureDomains`, from Nova:
     * `{source: 'aggregate-metadata', key: 'rack'}` (the value of that key in the metadata of the host
     * aggregates the host belongs to) or `{source: 'availability-zone'}` (the zone of its nova-compute
     * service; Nova's default zone `nova` is no domain). Absent (default) = `failureDomains` only.
     */
    failureDomainsFrom: z
      .discriminatedUnion('source', [
        z.object({ source: z.literal('aggregate-metadata'), key: z.string().min(1).max(255) }).strict(),
        z.object({ source: z.literal('availability-zone') }).strict(),
      ])
      .optional(),
    /** How often failure domains read from Nova (`failureDomainsFrom`) are read again, ms. Default 300000. */
    failureDomainsRefreshMs: z.number().int().min(1000).default(300_000),
  })
  .strict();

/** The single active detector: a Redis lease with a fencing token. */
export const leadershipSchema = z
  .object({
    /** Lease lifetime; a replica takes over this long after the leader stops renewing, ms. Default 5000. */
    leaseTtlMs: z.number().int().min(100).default(5000),
    /** How often the leader renews (and followers try to acquire), ms. Default 1000; keep under leaseTtlMs / 2. */
    renewIntervalMs: z.number().int().min(20).default(1000),
  })
  .strict()
  .refine((v) => v.renewIntervalMs * 2 <= v.leaseTtlMs, {
    path: ['renewIntervalMs'],
    message: 'must be at most leaseTtlMs / 2',
  });

/** Which instances a host failure moves, and which never (service VMs such as Octavia amphorae). */
export const recoveryPolicySchema = z
  .object({
    /** Masakari `evacuate_all_instances`: true moves every instance (HA-enabled first); false only HA-enabled ones. */
    evacuateAllInstances: z.boolean().default(true),
    /** Metadata key marking an instance HA-enabled (value `True`, case-insensitive). Masakari's default. */
    haEnabledKey: z.string().min(1).default('HA_Enabled'),
    /** Metadata key holding an integer restart priority; higher moves first. Default 0. */
    priorityKey: z.string().min(1).default('vigil:priority'),
    /** Masakari `ignore_instances_in_error_state`: skip ERROR instances. */
    ignoreErrorInstances: z.boolean().default(false),
    /** Instances never moved: any metadata key/value match, project id, or flavor name. */
    exclude: z
      .object({
        /** key → value; an instance with that exact metadata value is excluded. */
        metadata: z.record(z.string(), z.string()).default({}),
        projects: z.array(z.string().min(1)).default([]),
        flavors: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ metadata: {}, projects: [], flavors: [] }),
  })
  .strict();

/** Adaptive pacing toward Nova: concurrency grows while Nova answers well, backs off when it does not. */
export const pacingSchema = z
  .object({
    /** Adapt the limits to Nova's answers (AIMD). false = every scope runs at its upper bound. Default true. */
    enabled: z.boolean().default(true),
    /** Slots each scope (global, segment, incident) starts with before Nova has answered. Default 4. */
    startConcurrency: z.number().int().min(1).default(4),
    /** Slots no scope goes below, however badly Nova answers. Default 1. */
    minConcurrency: z.number().int().min(1).default(1),
    /** Multiplier of a scope's limit on a 5xx/429, a timeout, a failed rebuild or rising latency. Default 0.5. */
    decreaseFactor: z.number().gt(0).lt(1).default(0.5),
    /** At most one decrease per scope within this window (one burst = one decrease), ms. Default 1000. */
    cooldownMs: z.number().int().min(0).default(1000),
    /** Nova latency (EWMA) above this multiple of the best seen counts as rising. Default 3. */
    latencyFactor: z.number().gt(1).default(3),
    /** Shortest interval between two confirmation polls of one move, ms. Default 100. */
    minPollIntervalMs: z.number().int().min(10).default(100),
    /** Confirmation polls (server + migrations reads) per second, whole controller. Default 50. */
    pollsPerSecond: z.number().int().min(1).default(50),
  })
  .strict();

/** One restart tier: its instances start, then the next tier waits for them to be ready (or the timeout). */
export const restartTierSchema = z
  .object({
    /** The tier's name, as instances name it in their tier metadata (`recovery.tiers.metadataKey`). */
    name: z.string().min(1),
    /**
     * When the tier counts as ready: `active` (Nova ACTIVE on the new host), `tcp` (ACTIVE and a TCP
     * connect to the `address:port` the instance declares in `recovery.tiers.readyTcpKey` succeeds),
     * `http` (ACTIVE and a GET of the URL in `recovery.tiers.readyHttpKey` answers 2xx/3xx),
     * `ports-active` (ACTIVE and every Neutron port of the instance `ACTIVE`), or
     * `delay` (`delayMs` after the tier's evacuations settled). Default active.
     */
    gate: z.enum(['active', 'tcp', 'http', 'ports-active', 'delay']).default('active'),
    /** `delay` gate: ready this long after the tier's evacuations settled, ms. Default 0. */
    delayMs: z.number().int().min(0).default(0),
    /** The next tier starts anyway this long after the tier's evacuations settled (the incident says so), ms. Default 300000. */
    timeoutMs: z.number().int().min(0).default(300_000),
  })
  .strict();

/** Ordered restarts: a failed host's instances are evacuated tier by tier, each gated on the previous one's readiness. */
export const restartTiersSchema = z
  .object({
    /** Tiers in restart order (e.g. db, app, web). Empty (default): every instance moves at once. */
    order: z.array(restartTierSchema).default([]),
    /** Tier of an instance that names none (or an unknown one). Default: the last tier of `order`. */
    defaultTier: z.string().default(''),
    /** Instance metadata key naming the instance's tier. Default `vigil:tier`. */
    metadataKey: z.string().min(1).default('vigil:tier'),
    /** Instance metadata key holding the `address:port` a `tcp` gate connects to. Default `vigil:ready-tcp`. */
    readyTcpKey: z.string().min(1).default('vigil:ready-tcp'),
    /** Instance metadata key holding the `http(s)://` URL an `http` gate GETs. Default `vigil:ready-http`. */
    readyHttpKey: z.string().min(1).default('vigil:ready-http'),
    /** One readiness connect (or HTTP request, until its status line) gives up after this long, ms. Default 1000. */
    probeTimeoutMs: z.number().int().min(10).default(1000),
    /** How often a tier waiting for its instances checks them again, ms. Default 1000. */
    probeIntervalMs: z.number().int().min(10).default(1000),
  })
  .strict()
  .superRefine((v, ctx) => {
    const names = v.order.map((t) => t.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0)
      ctx.addIssue({ code: 'custom', path: ['order'], message: `tier names repeat: ${twice.join(', ')}` });
    if (v.defaultTier !== '' && !names.includes(v.defaultTier))
      ctx.addIssue({
        code: 'custom',
        path: ['defaultTier'],
        message: `${v.defaultTier} is not a tier of order`,
      });
  });

/**
 * Zombie guard for shared disks (Ceph RBD): before an instance is evacuated, its image must no longer be
 * held (no watcher, no lock) — by the failed host, the only one that had it open. Off by default.
 */
export const sharedDiskGuardSchema = z
  .object({
    /** Check RBD images before evacuating. Default false. */
    enabled: z.boolean().default(false),
    /** Only instances of these segments (names or uuids); empty = every segment. Default []. */
    segments: z.array(z.string().min(1)).default([]),
    /** Pool of Nova's ephemeral RBD disks (`[libvirt] images_rbd_pool`); image `<instance uuid>_disk`. Default `vms`. */
    pool: z.string().min(1).default('vms'),
    /** Instance metadata key naming its image as `pool/image` instead (boot-from-volume, other pools). Default `vigil:rbd-image`. */
    imageKey: z.string().min(1).default('vigil:rbd-image'),
    /** The `rbd` executable. Default `rbd` (from PATH). */
    rbdPath: z.string().min(1).default('rbd'),
    /** Ceph client id (`--id`; its keyring comes from ceph.conf, never from argv). Unset = rbd's default. */
    cephUser: z.string().min(1).optional(),
    /** One `rbd` run gives up after this long, ms. Default 10000. */
    commandTimeoutMs: z.number().int().min(100).default(10_000),
    /** How long a move waits for the image to be released before the policy applies, ms. Default 120000. */
    waitMs: z.number().int().min(0).default(120_000),
    /** How often a waiting move checks again, ms. Default 5000. */
    pollIntervalMs: z.number().int().min(10).default(5000),
    /** Still held after `waitMs`: `skip` the instance (not evacuated, the incident says so) or `evacuate` anyway. Default skip. */
    onTimeout: z.enum(['skip', 'evacuate']).default('skip'),
  })
  .strict();

export const recoverySchema = z
  .object({
    /**
     * Run the recovery engine. false = observe mode: detection and notifications are recorded, nothing
     * is fenced, isolated or evacuated (first weeks beside Masakari, or a replica kept passive). Default true.
     */
    enabled: z.boolean().default(true),
    /** Upper bound of evacuations in flight at once, whole controller; pacing adapts below it. Default 64. */
    globalConcurrency: z.number().int().min(1).default(64),
    /** Upper bound of evacuations in flight at once per segment. Default 48. */
    segmentConcurrency: z.number().int().min(1).default(48),
    /** Upper bound of evacuations in flight at once per incident (Masakari runs a fixed 3). Default 32. */
    incidentConcurrency: z.number().int().min(1).default(32),
    /** Upper bound of evacuate calls sent to Nova per `novaRateWindowMs`, whole controller. Default 20. */
    novaRateMax: z.number().int().min(1).default(20),
    /** Window of the Nova rate limit, in ms. Default 1000. */
    novaRateWindowMs: z.number().int().min(1).default(1000),
    pacing: pacingSchema.default(pacingSchema.parse({})),
    /** Budget of one power-off-and-verify attempt, in ms. Default 120000. */
    fenceTimeoutMs: z.number().int().min(100).default(120_000),
    /** Power-off attempts before the incident goes to `error`. Default 3. */
    fenceAttempts: z.number().int().min(1).default(3),
    /** First fencing retry delay in ms, doubled each attempt (at most 60 s). Default 5000. */
    fenceBackoffMs: z.number().int().min(0).default(5000),
    /** How long one evacuation may take to be confirmed, in ms (Masakari: 90 s). Default 300000. */
    confirmTimeoutMs: z.number().int().min(100).default(300_000),
    /** Interval between confirmation polls of a moving instance, in ms. Default 1000 (Masakari polls every 1 s). */
    pollIntervalMs: z.number().int().min(10).default(1000),
    /** Evacuation attempts per instance (each failed one tries another target). Default 3. */
    evacuationAttempts: z.number().int().min(1).default(3),
    /** Delay before a retryable Nova error (5xx, timeout) is retried, in ms. Default 2000. */
    novaRetryDelayMs: z.number().int().min(0).default(2000),
    /** How long a move waits for a free concurrency slot before checking again, in ms. Default 200 (a freed slot should not sit idle). */
    slotWaitMs: z.number().int().min(10).default(200),
    /** Masakari's periodic retry: an `error` incident runs again after this delay, in ms. Default 120000. */
    errorRetryDelayMs: z.number().int().min(0).default(120_000),
    /** Automatic runs of an incident before it is `failed` (Masakari: error, one retry, then failed). Default 2. */
    maxRounds: z.number().int().min(1).default(2),
    /** BullMQ job lock (and stalled-job check interval): a job whose worker died (controller SIGKILLed) is taken over by another worker after one to two of these, in ms. Default 10000. */
    jobLockMs: z.number().int().min(1000).default(10_000),
    /** The leader's periodic reconciliation: work with no live job (a notification without incident, an incident or move without its job) is enqueued again, and the workers are made to fetch, in ms. Default 15000. */
    reconcileIntervalMs: z.number().int().min(500).default(15_000),
    /** A returning host must report healthy this long before `reinstate` proceeds, in ms. Default 300000. */
    probationMs: z.number().int().min(0).default(300_000),
    /** How long `reinstate` waits for Nova to report the service up after force-down is unset, in ms. Default 120000. */
    serviceUpTimeoutMs: z.number().int().min(100).default(120_000),
    policy: recoveryPolicySchema.default(recoveryPolicySchema.parse({})),
    tiers: restartTiersSchema.default(restartTiersSchema.parse({})),
    sharedDiskGuard: sharedDiskGuardSchema.default(sharedDiskGuardSchema.parse({})),
    /**
     * Where Nova's `[DEFAULT] resume_guests_state_on_host_boot` is on, as the operator states it (no Nova
     * API exposes a compute's nova.conf). `reinstate` warns for these hosts (event, log, answer).
     */
    resumeGuestsStateOnHostBoot: z
      .object({
        /** Compute service host names. */
        hosts: z.array(z.string().min(1)).default([]),
        /** Segment names or uuids: every host of the segment. */
        segments: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ hosts: [], segments: [] }),
  })
  .strict();

/** Proactive quarantine of degraded hosts (alerts of kind `degradation`). Never fences. */
export const quarantineMode = z.enum(['off', 'flag', 'drain']);
export const quarantineSchema = z
  .object({
    /** What a degradation alert does to its host: nothing, disable it in Nova (`flag`), or disable and live-migrate its instances away (`drain`). Default off. */
    mode: quarantineMode.default('off'),
    /** Per segment (name or uuid): its own mode. */
    segments: z.record(z.string(), quarantineMode).default({}),
    /** Live migrations in flight per quarantined host. Default 2. */
    liveMigrationsPerHost: z.number().int().min(1).default(2),
    /** How often the mover looks at draining hosts, in ms. Default 5000. */
    pollIntervalMs: z.number().int().min(50).default(5000),
  })
  .strict();

/** Liveness, readiness and `/metrics`. */
export const healthSchema = z
  .object({
    /** Readiness PINGs Redis; slower than this counts as unreachable, ms. Default 500. */
    redisPingTimeoutMs: z.number().int().min(10).default(500),
    /** Each scrape-time collector (hosts by state, queue depths...) gets this long; then its last value is shown, ms. Default 250. */
    collectorTimeoutMs: z.number().int().min(10).default(250),
    /** Readiness fails while a recovery job has been ready to run, and not started, for longer than this, ms. Default 300000. */
    queueStallMs: z.number().int().min(1_000).default(300_000),
    /** Export Node.js process metrics (CPU, memory, event-loop lag) as `vigil_process_*` / `vigil_nodejs_*`. Default true. */
    processMetrics: z.boolean().default(true),
  })
  .strict();

/** Evidence kinds an alert can carry; none of them fences on its own. */
export const alertEvidenceKinds = [
  'host-unreachable',
  'nova-compute-down',
  'libvirt-down',
  'ovs-down',
  'bmc-alert',
  /** Not a failure yet (PSU or NIC redundancy lost, correctable memory errors): may quarantine the host. */
  'degradation',
] as const;

/** One mapping rule: which alerts it takes, where their host is, and what they mean. First matching rule wins. */
export const alertRuleSchema = z
  .object({
    /** Label → exact value; all must match. */
    match: z.record(z.string(), z.string()).default({}),
    /** Label → regex, anchored like Prometheus (`^(?:re)$`); all must match. A missing label matches as "". */
    matchRe: z.record(z.string(), z.string()).default({}),
    /** Labels holding the host, tried in order (a static `host` label first, then e.g. `instance`). */
    hostLabels: z.array(z.string().min(1)).min(1).default(['host', 'instance']),
    /** Remove a trailing `:port` (and IPv6 brackets) from the host value. Default true. */
    stripPort: z.boolean().default(true),
    kind: z.enum(alertEvidenceKinds),
  })
  .strict();

/** Alertmanager and generic webhooks (alerts become detection evidence, never a fencing order). */
export const alertsSchema = z
  .object({
    /**
     * Webhook credentials: a bearer token, HTTP basic (username + password), or both. Secrets, never logged.
     * Unset = the webhook routes answer 503 (configure auth, or bind the API to a trusted interface and set `allowUnauthenticated`).
     */
    auth: z
      .object({
        bearerToken: z.string().min(16).optional(),
        username: z.string().min(1).optional(),
        password: z.string().min(8).optional(),
      })
      .strict()
      .refine((a) => (a.username === undefined) === (a.password === undefined), {
        message: 'username and password go together',
      })
      .refine((a) => a.bearerToken !== undefined || a.username !== undefined, {
        message: 'set bearerToken or username + password',
      })
      .optional(),
    /** Accept webhook calls without credentials (API bound to a trusted interface only). Default false. */
    allowUnauthenticated: z.boolean().default(false),
    /** An alert occurrence (fingerprint + startsAt + status) seen within this window is a duplicate, ms. Default 21600000 (6 h, above Alertmanager's 4 h repeat_interval). */
    dedupTtlMs: z.number().int().min(1000).default(21_600_000),
    /** Mapping rules, first match wins. Unset = the built-in rules for node_exporter, openstack-exporter, libvirt, OVS and IPMI alerts. */
    rules: z.array(alertRuleSchema).min(1).optional(),
    /** FQDN or IP (after port stripping) → Nova service host, e.g. `cmp-01.example: cmp-01`. Unlisted values are used as they are. */
    hostAliases: z.record(z.string(), z.string().min(1)).default({}),
  })
  .strict()
  .refine((a) => !(a.auth && a.allowUnauthenticated), {
    path: ['allowUnauthenticated'],
    message: 'set either auth or allowUnauthenticated',
  });

/** One receiver of outbound CloudEvents. */
export const eventWebhookSchema = z
  .object({
    url: z.string().url(),
    /** HMAC-SHA256 key; when set, each POST carries `X-Vigil-Signature: sha256=<hex of HMAC(body)>`. Secret, never logged. */
    secret: z.string().min(16).optional(),
    /** Event types sent (e.g. `io.vigil.incident.fenced`); unset = all. */
    types: z.array(z.string().min(1)).min(1).optional(),
    /** Timeout of one POST, ms. Default 5000. */
    timeoutMs: z.number().int().min(10).default(5000),
  })
  .strict();

/** Outbound incident notifications (CloudEvents 1.0, structured JSON). Best effort: never delays recovery. */
export const eventsSchema = z
  .object({
    webhooks: z.array(eventWebhookSchema).default([]),
    /** CloudEvents `source` of every event. Default `/vigil`. */
    source: z.string().min(1).default('/vigil'),
    /** Events waiting per receiver; beyond it the oldest is dropped and counted. Default 1000. */
    maxQueued: z.number().int().min(1).default(1000),
    /** Delivery attempts per event and receiver (5xx, 408, 429 and transport errors are retried). Default 6. */
    maxAttempts: z.number().int().min(1).max(20).default(6),
    /** First retry delay, doubled each attempt, ms. Default 1000. */
    retryBaseDelayMs: z.number().int().min(1).default(1000),
    /** Cap of the retry delay, ms. Default 60000. */
    retryMaxDelayMs: z.number().int().min(1).default(60_000),
  })
  .strict();

/** Slow and flooding clients: HTTP connection limits and per-source rate limits. */
export const limitsSchema = z
  .object({
    /** A connection must send complete request headers within this, ms (slowloris). Default 10000. */
    headersTimeoutMs: z.number().int().min(100).default(10_000),
    /** A whole request (headers and body) must arrive within this, ms. Default 30000. */
    requestTimeoutMs: z.number().int().min(100).default(30_000),
    /** An idle kept-alive connection is closed after this, ms. Default 5000. */
    keepAliveTimeoutMs: z.number().int().min(100).default(5_000),
    /** Requests served on one connection before it is closed. Default 1000. */
    maxRequestsPerSocket: z.number().int().min(1).default(1_000),
    /** Signed intake requests per second per source (remote address + claimed host), bursts twice that; beyond: 429. Default 20. */
    intakePerSourcePerSec: z.number().min(1).default(20),
    /** Alert webhook requests per second per remote address, bursts twice that; beyond: 429. Default 50. */
    webhookPerSourcePerSec: z.number().min(1).default(50),
  })
  .strict();

/** Programs the fencing drivers run: set by whoever installs the controller, never through the API. */
export const fencingConfigSchema = z
  .object({
    /** Absolute path of the ipmitool binary used by every `ipmitool` host. Default `/usr/bin/ipmitool`. */
    ipmitoolPath: z.string().startsWith('/').default('/usr/bin/ipmitool'),
  })
  .strict();

/** `vigil drill`: failures it may inject besides a BMC power-off, and how long a step may stall. */
export const drillSchema = z
  .object({
    /**
     * Named fail commands (argv, no shell; `{host}` is replaced by the host name), e.g. one that
     * freezes a node for a kernel-hang drill. Only these run: the API names one, it never sends a command.
     */
    failCommands: z.record(z.string().regex(/^[a-z0-9-]+$/), z.array(z.string().min(1)).min(1)).default({}),
    /** A drill step (boot, incident, repair, delete) without progress this long ends the drill with cleanup. */
    stallTimeoutMs: z.number().int().min(1_000).default(600_000),
    /** How often the drill reads Nova, the BMCs and Vigil's state while it waits. */
    pollIntervalMs: z.number().int().min(50).default(500),
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
    recovery: recoverySchema.default(recoverySchema.parse({})),
    quarantine: quarantineSchema.default(quarantineSchema.parse({})),
    intake: intakeSchema.default(intakeSchema.parse({})),
    detection: detectionSchema.default(detectionSchema.parse({})),
    leadership: leadershipSchema.default(leadershipSchema.parse({})),
    health: healthSchema.default(healthSchema.parse({})),
    alerts: alertsSchema.default(alertsSchema.parse({})),
    events: eventsSchema.default(eventsSchema.parse({})),
    fencing: fencingConfigSchema.default(fencingConfigSchema.parse({})),
    limits: limitsSchema.default(limitsSchema.parse({})),
    drill: drillSchema.default(drillSchema.parse({})),
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
export type RecoveryConfig = z.infer<typeof recoverySchema>;
export type DrillConfig = z.infer<typeof drillSchema>;
export type QuarantineConfig = z.infer<typeof quarantineSchema>;
export type QuarantineMode = z.infer<typeof quarantineMode>;
export type RecoveryPolicy = z.infer<typeof recoveryPolicySchema>;
export type RestartTiersConfig = z.infer<typeof restartTiersSchema>;
export type SharedDiskGuardConfig = z.infer<typeof sharedDiskGuardSchema>;
export type PacingConfig = z.infer<typeof pacingSchema>;
export type IntakeConfig = z.infer<typeof intakeSchema>;
export type DetectionConfig = z.infer<typeof detectionSchema>;
export type DetectionPolicyConfig = z.infer<typeof detectionPolicySchema>;
export type LeadershipConfig = z.infer<typeof leadershipSchema>;
export type HealthConfig = z.infer<typeof healthSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;
export type AlertRule = z.infer<typeof alertRuleSchema>;
export type AlertEvidenceKind = (typeof alertEvidenceKinds)[number];
export type EventsConfig = z.infer<typeof eventsSchema>;
export type EventWebhookConfig = z.infer<typeof eventWebhookSchema>;
