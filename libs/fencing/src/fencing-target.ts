import { z } from 'zod';

/** A fence agent is run by name; this keeps the name from ever reaching a path or a shell. */
export const FENCE_AGENT_NAME = /^fence_[a-z0-9_]+$/;
/** Option names sent to an agent on stdin. */
const AGENT_OPTION_NAME = /^[a-z][a-z0-9_-]*$/;
/** A newline inside a value would inject another `name=value` line into the agent's stdin. */
const singleLine = z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks');

const credentials = {
  /** BMC host name or IP address. */
  address: singleLine.min(1),
  username: singleLine.min(1),
  /** Never logged, never put in argv. */
  password: singleLine,
};

/** Runs a `fence_*` agent from fence-agents with its options on stdin. */
export const fenceAgentTargetSchema = z.object({
  driver: z.literal('fence-agent'),
  /** e.g. `fence_ipmilan`, `fence_redfish`; resolved in /usr/sbin, /usr/bin, /sbin, /bin. */
  agent: z.string().regex(FENCE_AGENT_NAME, 'must match ^fence_[a-z0-9_]+$'),
  ...credentials,
  /** Sent as `ipport=`; omitted means the agent's default (623 for IPMI, 443 for Redfish). */
  port: z.number().int().min(1).max(65535).optional(),
  /** Extra agent options, e.g. `{ lanplus: 1, cipher: 3, power_timeout: 20 }`. Flags you do not want: omit them. */
  options: z
    .record(z.string().regex(AGENT_OPTION_NAME), z.union([singleLine, z.number(), z.boolean()]))
    .default({}),
  /** Pause between our own read-back polls, ms. Default 1000 (each poll is a whole agent run). */
  pollIntervalMs: z.number().int().positive().default(1000),
});

/** Calls ipmitool directly over IPMI v2 (lanplus). */
export const ipmitoolTargetSchema = z.object({
  driver: z.literal('ipmitool'),
  ...credentials,
  port: z.number().int().min(1).max(65535).default(623),
  /** Cipher suite (`-C`). Default 3; without it ipmitool 1.8.19 probes suites, ~10 s on BMCs lacking that. */
  cipher: z.number().int().min(0).max(17).default(3),
  /** `-R`: retries per ipmitool call (each waits `-N 1` s). Default 1, so a dead BMC fails in ~2 s. */
  retries: z.number().int().min(0).max(10).default(1),
  privilegeLevel: z.enum(['ADMINISTRATOR', 'OPERATOR']).default('ADMINISTRATOR'),
  ipmitoolPath: z.string().startsWith('/').default('/usr/bin/ipmitool'),
  /** Pause between read-back polls, ms. Default 500. */
  pollIntervalMs: z.number().int().positive().default(500),
});

/** Talks Redfish (DMTF ComputerSystem) over HTTPS. */
export const redfishTargetSchema = z.object({
  driver: z.literal('redfish'),
  ...credentials,
  port: z.number().int().min(1).max(65535).default(443),
  /** `http` exists for loopback tests only; real BMCs are `https`. */
  scheme: z.enum(['https', 'http']).default('https'),
  /** `basic` sends credentials on every request; `session` logs in once per call and deletes the session after. */
  auth: z.enum(['basic', 'session']).default('basic'),
  /** e.g. `/redfish/v1/Systems/System.Embedded.1`. Default: the last member of `/Systems` (as fence_redfish). */
  systemPath: z.string().startsWith('/').optional(),
  /** PEM CA bundle trusted for this BMC (self-signed certificates). */
  caPem: z.string().optional(),
  /** Skip TLS verification. Default false. */
  insecure: z.boolean().default(false),
  /** Per-request timeout, ms, capped by the call's remaining budget. Default 5000. */
  requestTimeoutMs: z.number().int().positive().default(5000),
  /** Pause between read-back polls, ms. Default 500. */
  pollIntervalMs: z.number().int().positive().default(500),
});

/** In-process fake (unit tests, dry-run mode). */
export const fakeTargetSchema = z.object({
  driver: z.literal('fake'),
  initialState: z.enum(['on', 'off']).default('on'),
});

export const fencingTargetSchema = z.discriminatedUnion('driver', [
  fenceAgentTargetSchema,
  ipmitoolTargetSchema,
  redfishTargetSchema,
  fakeTargetSchema,
]);

/** What configuration provides (defaults may be omitted). */
export type FencingTargetInput = z.input<typeof fencingTargetSchema>;
export type FencingTarget = z.output<typeof fencingTargetSchema>;
export type FenceAgentTarget = z.output<typeof fenceAgentTargetSchema>;
export type IpmitoolTarget = z.output<typeof ipmitoolTargetSchema>;
export type RedfishTarget = z.output<typeof redfishTargetSchema>;
export type FakeTarget = z.output<typeof fakeTargetSchema>;
