import { randomBytes } from 'node:crypto';
import { type Logger } from '@vigil/config';
import { findFreePort } from '@vigil/redis';
import { ControllerProcess } from '@vigil/testing';
import { type Scenario } from '../scenario/scenario';
import { CloudSim } from '../sim/cloud-sim';
import { InjectionApi } from '../sim/injection-api';
import { ControllerApi } from './controller-api';
import { demoAlertToken } from './demo-alert';
import { demoControllerConfig, registerCloud } from './demo-setup';

export interface DemoStackOptions {
  scenario: Scenario;
  /** Where the controller's config, data (embedded Redis) and log go. */
  workDir: string;
  /** Built controller, `dist/apps/controller/main.js`. */
  controllerMainJs: string;
  logger: Logger;
  monitorLogger: Logger;
  /** Overrides of the controller's demo config, merged per top-level section. */
  controllerConfig?: Record<string, Record<string, unknown>>;
}

/** Everything the demo runs, started and wired: the sim, its injection API, the controller, the monitors. */
export interface DemoStack {
  sim: CloudSim;
  injection: InjectionApi;
  controller: ControllerProcess;
  api: ControllerApi;
  controllerUrl: string;
  simApiUrl: string;
  /** Controller host UUID per host name. */
  hostUuids: Map<string, string>;
  /** The controller's `alerts.auth.bearerToken`: what the demo's Alertmanager sends. */
  alertToken: string;
  stop(): Promise<void>;
}

/**
 * Starts the sim (monitors held back), the real controller as a child process pointed at the sim's
 * Keystone, registers every segment, host and BMC through the controller's API, then starts the monitors.
 */
export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  const heartbeatMasterKey = randomBytes(32).toString('hex');
  const alertToken = demoAlertToken();
  const port = await findFreePort();
  const controllerUrl = `http://127.0.0.1:${port}`;
  const sim = await CloudSim.start({
    scenario: options.scenario,
    controller: { urls: [controllerUrl], heartbeatMasterKey },
    logger: options.logger,
    monitorLogger: options.monitorLogger,
    deferMonitors: true,
  });
  const injection = new InjectionApi(sim);
  const config = demoControllerConfig({
    workDir: options.workDir,
    port,
    keystone: sim.openstack.keystoneConfig,
    heartbeatMasterKey,
    alertsBearerToken: alertToken,
  });
  for (const [section, values] of Object.entries(options.controllerConfig ?? {}))
    config[section] = { ...(config[section] as object | undefined), ...values };
  const controller = new ControllerProcess({
    mainJs: options.controllerMainJs,
    workDir: options.workDir,
    config,
    readyTimeoutMs: 30_000,
  });
  const stop = async (): Promise<void> => {
    await controller.stop();
    await injection.stop();
    await sim.stop();
  };
  try {
    const simApiUrl = await injection.start(options.scenario.ports.api);
    await controller.start(controllerUrl);
    // With Keystone auth on (the operator view's tests), the demo acts as the sim's service admin.
    const keystoneAuth = (config.auth as { strategy?: string } | undefined)?.strategy === 'keystone';
    const api = new ControllerApi(
      controllerUrl,
      keystoneAuth ? sim.openstack.keystone.issueToken('vigil', 'service') : undefined,
    );
    const hostUuids = await registerCloud(sim, api);
    sim.startMonitors();
    return { sim, injection, controller, api, controllerUrl, simApiUrl, hostUuids, alertToken, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
