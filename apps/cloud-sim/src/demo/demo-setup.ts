import { type KeystoneConfig } from '@vigil/config';
import { type CloudSim } from '../sim/cloud-sim';
import { type ControllerApi } from './controller-api';

/**
 * The controller's config for the demo: embedded Redis, no API auth, Keystone (and through its catalog,
 * Nova) of the sim, and detection/recovery timeouts short enough for a terminal demo yet of the same
 * shape as production's (a few heartbeats of silence, evidence before fencing).
 */
export function demoControllerConfig(options: {
  workDir: string;
  port: number;
  keystone: KeystoneConfig;
  heartbeatMasterKey: string;
  /** The Alertmanager webhook's bearer token (`alerts.auth`); unset leaves the webhooks answering 503. */
  alertsBearerToken?: string;
}): Record<string, unknown> {
  const { keystone } = options;
  return {
    dataDir: `${options.workDir}/data`,
    api: { host: '127.0.0.1', port: options.port },
    redis: { embedded: { dataDir: `${options.workDir}/data/redis` } },
    log: { level: 'info', format: 'pretty' },
    auth: { strategy: 'noauth' },
    keystone: {
      authUrl: keystone.authUrl,
      username: keystone.username,
      password: keystone.password,
      projectName: keystone.projectName,
      timeoutMs: 3_000,
    },
    nova: { timeoutMs: 5_000, retryBaseDelayMs: 100 },
    intake: { heartbeatMasterKey: options.heartbeatMasterKey, flushIntervalMs: 100 },
    detection: {
      heartbeatTimeoutMs: 3_000,
      suspectHoldMs: 1_000,
      sweepIntervalMs: 250,
      evidenceTimeoutMs: 1_000,
    },
    recovery: { pollIntervalMs: 250, fenceTimeoutMs: 15_000, fenceBackoffMs: 500, confirmTimeoutMs: 30_000 },
    ...(options.alertsBearerToken ? { alerts: { auth: { bearerToken: options.alertsBearerToken } } } : {}),
  };
}

/** Registers every segment and host of the sim with the controller, with each host's BMC. */
export async function registerCloud(sim: CloudSim, api: ControllerApi): Promise<Map<string, string>> {
  const hostUuids = new Map<string, string>();
  for (const segment of sim.plan.segments) {
    const segmentUuid = await api.createSegment(segment);
    for (const host of sim.plan.hosts.filter((h) => h.segment === segment)) {
      const uuid = await api.addHost(segmentUuid, host.name, host.reserved);
      await api.setFencing(uuid, sim.bmc.access(host.name));
      hostUuids.set(host.name, uuid);
    }
  }
  return hostUuids;
}
