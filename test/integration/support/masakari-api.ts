/* eslint-disable @typescript-eslint/no-explicit-any --
   Reply bodies are untyped JSON that the specs walk freely; each shape is asserted with toEqual. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerConfigSchema, createLogger, type LoggerOptions } from '@vigil/config';
import { LogCapture, startRedis, type RedisFixture } from '@vigil/testing';
import { type CallerIdentity, type TokenValidator } from '../../../apps/controller/src/api/auth';
import { startController, type ControllerApp } from '../../../apps/controller/src/bootstrap';
import {
  ConfiguredComputeHostDirectory,
  StaticComputeHostDirectory,
} from '../../../apps/controller/src/inventory';

// The controller's Masakari API over a real redis-server, shared by the API integration specs.

const TOKENS: Record<string, CallerIdentity> = {
  'admin-token': { userId: 'u-admin', projectId: 'a1b2c3', roles: ['admin'] },
  'member-token': { userId: 'u-member', projectId: 'a1b2c3', roles: ['member'] },
};
/** Accepts 'admin-token' (admin) and 'member-token' (member), both in project a1b2c3. */
export const testTokenValidator: TokenValidator = { validate: (t) => Promise.resolve(TOKENS[t]) };

export interface Reply {
  status: number;
  body: Record<string, unknown> & { [k: string]: any };
}

export interface CallOptions {
  /** null sends no X-Auth-Token; undefined sends the harness default. */
  token?: string | null;
  /** Sent as `OpenStack-API-Version: instance-ha <version>`. */
  version?: string;
}

export type MasakariCall = (
  method: string,
  path: string,
  body?: unknown,
  opts?: CallOptions,
) => Promise<Reply>;

export interface MasakariApiOptions {
  /** Names the temporary data dir (vigil-<name>-XXXX). */
  name: string;
  keyPrefix: string;
  /** 'keystone' (default) validates tokens with testTokenValidator; 'noauth' sends no token at all. */
  auth?: 'keystone' | 'noauth';
  maxListLimit?: number;
  /** false keeps the recovery engine from acting on notifications (observe mode). */
  recoveryEnabled?: boolean;
  /** When set, the only compute host names Nova "knows" (StaticComputeHostDirectory). */
  computeHosts?: readonly string[];
  /** Merged into the redis config section. */
  redis?: Record<string, unknown>;
  /** Merged into the top-level config. */
  config?: Record<string, unknown>;
  logLevel?: LoggerOptions['level'];
}

export interface MasakariApi {
  redis: RedisFixture;
  controller: ControllerApp;
  logs: LogCapture;
  dataDir: string;
  call: MasakariCall;
  stop(): Promise<void>;
}

export async function startMasakariApi(options: MasakariApiOptions): Promise<MasakariApi> {
  const keystone = (options.auth ?? 'keystone') === 'keystone';
  const redis = await startRedis();
  const dataDir = mkdtempSync(join(tmpdir(), `vigil-${options.name}-`));
  const logs = new LogCapture();
  const config = controllerConfigSchema.parse({
    ...(options.recoveryEnabled === undefined ? {} : { recovery: { enabled: options.recoveryEnabled } }),
    dataDir,
    api: { port: 0, ...(options.maxListLimit === undefined ? {} : { maxListLimit: options.maxListLimit }) },
    ...(keystone
      ? {
          auth: { strategy: 'keystone' },
          keystone: {
            authUrl: 'http://127.0.0.1:9/v3',
            username: 'vigil',
            password: 'unused-pw',
            projectName: 'service',
          },
        }
      : // noauth without a keystone section: the default compute host directory accepts any host name.
        { auth: { strategy: 'noauth' } }),
    redis: { url: redis.url, password: redis.password, keyPrefix: options.keyPrefix, ...options.redis },
    ...options.config,
  });
  const controller = await startController({
    config,
    ...(keystone ? { tokenValidator: testTokenValidator } : {}),
    logger: createLogger({
      name: 'test',
      destination: logs,
      ...(options.logLevel === undefined ? {} : { level: options.logLevel }),
    }),
  });
  if (options.computeHosts) {
    controller.app
      .get(ConfiguredComputeHostDirectory)
      .use(new StaticComputeHostDirectory(new Set(options.computeHosts)));
  }
  const defaultToken = keystone ? 'admin-token' : null;

  const call: MasakariCall = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    const token = opts.token === undefined ? defaultToken : opts.token;
    if (token) headers['X-Auth-Token'] = token;
    if (opts.version) headers['OpenStack-API-Version'] = `instance-ha ${opts.version}`;
    const res = await fetch(`${controller.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // A 204 carries Content-Type: application/json (as Masakari's) and no body.
    const json = text !== '' && (res.headers.get('content-type')?.includes('json') ?? false);
    return { status: res.status, body: json ? (JSON.parse(text) as Reply['body']) : { text } };
  };

  const stop = async (): Promise<void> => {
    await controller.close();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { redis, controller, logs, dataDir, call, stop };
}

export const segmentBody = (name: string, extra: Record<string, unknown> = {}) => ({
  segment: { name, recovery_method: 'auto', service_type: 'COMPUTE', ...extra },
});
export const hostBody = (name: string, extra: Record<string, unknown> = {}) => ({
  host: { name, type: 'COMPUTE', control_attributes: 'SSH', ...extra },
});
export const hostsPath = (segmentUuid: string) => `/v1/segments/${segmentUuid}/hosts`;
export const notificationBody = (hostname: string, extra: Record<string, unknown> = {}) => ({
  notification: {
    type: 'COMPUTE_HOST',
    hostname,
    generated_time: '2024-05-01T10:02:11.000000',
    payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
    ...extra,
  },
});

/**
 * Starts the API for the calling describe block (beforeAll) and stops it afterwards (afterAll);
 * flushes Redis before each test unless flushBeforeEach is false. The handle is usable inside tests.
 */
export function useMasakariApi(options: MasakariApiOptions & { flushBeforeEach?: boolean }): MasakariApi {
  const { flushBeforeEach = true, ...startOptions } = options;
  let started: MasakariApi | undefined;
  const api = (): MasakariApi => {
    if (!started) throw new Error('the Masakari API is only up inside the tests of its describe block');
    return started;
  };
  beforeAll(async () => {
    started = await startMasakariApi(startOptions);
  });
  afterAll(() => started?.stop());
  if (flushBeforeEach) beforeEach(() => api().redis.flush());
  return {
    get redis() {
      return api().redis;
    },
    get controller() {
      return api().controller;
    },
    get logs() {
      return api().logs;
    },
    get dataDir() {
      return api().dataDir;
    },
    call: (...args) => api().call(...args),
    stop: () => api().stop(),
  };
}
