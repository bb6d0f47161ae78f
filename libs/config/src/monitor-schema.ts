import { hostname } from 'node:os';
import { z } from 'zod';
import { logSchema } from './schema';

/**
 * Configuration of `vigil-host-monitor`, the agent on every compute node. Loaded with
 * `loadConfig(hostMonitorConfigSchema, { envPrefix: 'VIGIL_MONITOR_' })`: YAML from `VIGIL_MONITOR_CONFIG`,
 * overrides such as `VIGIL_MONITOR_INTERVAL_MS=500`. Documented in docs/host-monitor.md.
 */

const timeoutMs = z.number().int().min(50).max(120_000).default(3000);

/** One check of one component. Every check has its own timeout; a check that runs over it is failed. */
export const probeSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('process'),
      /** Matched against /proc/<pid>/comm, argv[0] and argv[1] basenames (python entry points). */
      name: z.string().min(1),
      timeoutMs,
    })
    .strict(),
  z
    .object({
      kind: z.literal('systemd'),
      /** Unit asked with `systemctl is-active <unit>`; only `active` is ok. */
      unit: z.string().min(1),
      timeoutMs,
    })
    .strict(),
  z
    .object({
      kind: z.literal('socket'),
      /** Unix socket that must accept a connection (e.g. /run/libvirt/libvirt-sock). */
      path: z.string().min(1),
      timeoutMs,
    })
    .strict(),
  z
    .object({
      kind: z.literal('command'),
      /** argv run without a shell; exit 0 within the timeout is ok. Never put secrets here. */
      argv: z.array(z.string().min(1)).min(1),
      timeoutMs,
    })
    .strict(),
]);

export const componentProbeSchema = z
  .object({
    /** `all`: every check must pass (default); `any`: one passing check is enough. */
    require: z.enum(['all', 'any']).default('all'),
    checks: z.array(probeSpecSchema).min(1),
  })
  .strict();

/** What a compute node runs by default; an operator's `probes` map replaces this whole map. */
export const DEFAULT_MONITOR_PROBES = {
  'nova-compute': {
    require: 'any',
    checks: [
      { kind: 'systemd', unit: 'nova-compute', timeoutMs: 3000 },
      { kind: 'process', name: 'nova-compute', timeoutMs: 3000 },
    ],
  },
  libvirtd: {
    require: 'all',
    checks: [{ kind: 'command', argv: ['virsh', '-c', 'qemu:///system', 'version'], timeoutMs: 5000 }],
  },
  ovs: {
    require: 'all',
    checks: [{ kind: 'command', argv: ['ovs-vsctl', '--timeout=3', 'show'], timeoutMs: 5000 }],
  },
} as const satisfies Record<string, z.input<typeof componentProbeSchema>>;

const peerSchema = z
  .object({
    /** Peer's nova-compute host name, as reported in `peers[].host`. */
    host: z.string().min(1),
    /** Address to connect to (IP or DNS name), ideally on a network other than the controller's. */
    address: z.string().min(1),
    /** The peer monitor's `peerListen.port`. */
    port: z.number().int().min(1).max(65535).default(15869),
  })
  .strict();

export const instanceWatchSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Long-running command printing libvirt events in `virsh event` format. */
    command: z
      .array(z.string().min(1))
      .min(1)
      .default(['virsh', '-c', 'qemu:///system', 'event', '--all', '--loop']),
    /** Command that prints a domain's UUID when the domain name is appended (`virsh domuuid <name>`). */
    uuidCommand: z.array(z.string().min(1)).min(1).default(['virsh', '-c', 'qemu:///system', 'domuuid']),
    /** Timeout of one `uuidCommand` run. */
    uuidTimeoutMs: z.number().int().min(50).default(5000),
  })
  .strict();

export const peerListenSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('0.0.0.0'),
    /** TCP port peers connect to; 0 picks a free one (tests). */
    port: z.number().int().min(0).max(65535).default(15869),
  })
  .strict();

export const hostMonitorConfigSchema = z
  .object({
    /** nova-compute service host name, as registered in Vigil. Default: os.hostname(). */
    host: z
      .string()
      .min(1)
      .default(() => hostname()),
    /** This host's secret (`vigil` prints it). Prefer `secretFile`; an env var leaks more easily. */
    secret: z.string().min(16).optional(),
    /** File holding the secret (first line), mode 0600, e.g. `$CREDENTIALS_DIRECTORY/vigil-host-secret`. */
    secretFile: z.string().min(1).optional(),
    /** Kernel boot id source; overridable for tests. */
    bootIdFile: z.string().min(1).default('/proc/sys/kernel/random/boot_id'),
    /** Controller replicas' base URLs (`https://ctl-1:15868`); heartbeats go to the first that answers. */
    controllerUrls: z.array(z.string().url()).min(1),
    /**
     * Spread hosts over the replicas (every replica takes heartbeats): each host starts at the URL a hash
     * of its name picks, fails over as usual, and returns to it a minute later. Off: the first URL first.
     */
    spreadControllers: z.boolean().default(false),
    /** Heartbeat period. */
    intervalMs: z.number().int().min(50).default(1000),
    /** Period of each component's probe round; default = `intervalMs`. */
    probeIntervalMs: z.number().int().min(50).optional(),
    /** Timeout of one HTTP request to one controller URL. */
    requestTimeoutMs: z.number().int().min(50).default(2000),
    /** Component name → how to check it. Replaces the defaults as a whole when set. */
    probes: z
      .record(z.string().min(1), componentProbeSchema)
      .default(() => structuredClone(DEFAULT_MONITOR_PROBES)),
    instanceWatch: instanceWatchSchema.default(() => instanceWatchSchema.parse({})),
    /** Peers this host witnesses (TCP connect to their `peerListen` port). Empty = no `peers` field. */
    peers: z.array(peerSchema).default([]),
    /** Period of a peer probe round. */
    peerProbeIntervalMs: z.number().int().min(50).default(2000),
    /** Timeout of one peer TCP connect. */
    peerProbeTimeoutMs: z.number().int().min(50).default(1000),
    peerListen: peerListenSchema.default(() => peerListenSchema.parse({})),
    log: logSchema.default(() => logSchema.parse({})),
  })
  .strict()
  .refine((v) => (v.secret === undefined) !== (v.secretFile === undefined), {
    path: ['secretFile'],
    message: 'set exactly one of secret and secretFile',
    when: () => true,
  });

export type HostMonitorConfig = z.infer<typeof hostMonitorConfigSchema>;
export type ProbeSpec = z.infer<typeof probeSpecSchema>;
export type ComponentProbeConfig = z.infer<typeof componentProbeSchema>;
export type MonitorPeerConfig = z.infer<typeof peerSchema>;
export type InstanceWatchConfig = z.infer<typeof instanceWatchSchema>;
