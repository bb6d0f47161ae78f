import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '@vigil/config';
import { LogCapture, waitFor } from '@vigil/testing';
import {
  type DemoStack,
  type DemoStackOptions,
  startDemoStack,
} from '../../../apps/cloud-sim/src/demo/demo-stack';
import { parseScenario, type ScenarioInput } from '../../../apps/cloud-sim/src/scenario/scenario';

export interface SimulatedCloudOptions {
  /** The sim's scenario; its injection API listens on a free port. */
  scenario: Omit<ScenarioInput, 'ports'>;
  /** Built controller, `dist/apps/controller/main.js` (specs: `ensureBuilt('controller')`). */
  controllerMainJs: string;
  controllerConfig?: DemoStackOptions['controllerConfig'];
  /** Sim and monitor logs: captured at `logLevel` (default warn) unless loggers are given. */
  logLevel?: 'info' | 'warn' | 'error';
  logger?: Logger;
  monitorLogger?: Logger;
}

/** A demo stack in a fresh work directory; `stop` ends every process and removes the directory. */
export interface SimulatedCloud {
  stack: DemoStack;
  /** Where the controller's config (`controller.yaml`), data and log live. */
  workDir: string;
  /** The sim's and monitors' log lines when no logger was given. */
  logs: LogCapture;
  stop(): Promise<void>;
}

/**
 * cloud-sim (Keystone, Nova, Redfish BMCs, host monitors) with the built controller as a child process,
 * every host registered with its BMC: the setup of the specs and benches that drive the cloud as deployed.
 */
export async function startSimulatedCloud(options: SimulatedCloudOptions): Promise<SimulatedCloud> {
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-sim-'));
  const logs = new LogCapture();
  const logger =
    options.logger ??
    createLogger({ name: 'cloud-sim', level: options.logLevel ?? 'warn', destination: logs });
  try {
    const stack = await startDemoStack({
      scenario: parseScenario({ ...options.scenario, ports: { api: 0 } }),
      workDir,
      controllerMainJs: options.controllerMainJs,
      logger,
      monitorLogger: options.monitorLogger ?? logger,
      controllerConfig: options.controllerConfig,
    });
    return {
      stack,
      workDir,
      logs,
      async stop() {
        await stack.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
}

/** Waits until the controller's detection has every simulated host `up` (stall limit, not a timing). */
export async function allHostsUp(stack: DemoStack, timeoutMs: number): Promise<void> {
  const hosts = stack.sim.plan.hosts.length;
  await waitFor(async () => ((await stack.api.cluster()).up ?? []).length === hosts, {
    timeoutMs,
    intervalMs: hosts > 100 ? 1_000 : 200,
    what: `all ${hosts} hosts up at the controller`,
  });
}
