import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@vigil/config';
import { LogCapture, waitFor } from '@vigil/testing';
import { type DemoStack, startDemoStack } from '../../../apps/cloud-sim/src/demo/demo-stack';
import { parseScenario } from '../../../apps/cloud-sim/src/scenario/scenario';
import { type Partition, type PowerTransition } from '../../../apps/cloud-sim/src/sim';
import { ensureBuilt } from '../support/ensure-built';

/**
 * The production controller (dist build, child process, embedded Redis) on cloud-sim, for the shapes
 * real outages take (issue 14). Assertions read the sim's ground truth through its HTTP API: the power
 * log says what was really powered off, whatever the controller believes.
 */
export class ShapesStack {
  stack!: DemoStack;
  readonly logs = new LogCapture();
  private workDir = '';

  async start(
    scenario: Record<string, unknown>,
    controllerConfig: Record<string, Record<string, unknown>> = {},
  ): Promise<void> {
    const controllerMainJs = ensureBuilt('controller');
    this.workDir = mkdtempSync(join(tmpdir(), 'vigil-shapes-'));
    const logger = createLogger({ name: 'shapes-sim', level: 'warn', destination: this.logs });
    this.stack = await startDemoStack({
      scenario: parseScenario({ ...scenario, ports: { api: 0 } }),
      workDir: this.workDir,
      controllerMainJs,
      logger,
      monitorLogger: logger,
      controllerConfig,
    });
    const hosts = this.stack.sim.plan.hosts.map((h) => h.name);
    await waitFor(async () => ((await this.stack.api.cluster()).up ?? []).length === hosts.length, {
      timeoutMs: 60_000,
      what: `all ${hosts.length} hosts up at the controller`,
    });
  }

  async stop(): Promise<void> {
    await this.stack?.stop();
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  /** One call to the sim's injection API, signed with the test's name for the power log. */
  async sim(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.stack.simApiUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-sim-actor': expect.getState().currentTestName ?? 'shapes',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }

  async partition(hosts: string[], scope: string, durationMs?: number): Promise<Partition> {
    const body = await this.sim('POST', '/sim/partitions', { hosts, scope, durationMs });
    return body.partition as Partition;
  }

  /** Ground truth: every power transition since `sinceMs`, of these hosts or all. */
  async powerLog(sinceMs: number, hosts?: readonly string[]): Promise<PowerTransition[]> {
    const body = await this.sim('GET', `/sim/power-log?sinceMs=${sinceMs}`);
    return (body.transitions as PowerTransition[]).filter((t) => !hosts || hosts.includes(t.host));
  }

  /** Power-offs Vigil's fencing asked for, per the BMCs themselves. */
  async vigilPowerOffs(sinceMs: number, hosts?: readonly string[]): Promise<PowerTransition[]> {
    return (await this.powerLog(sinceMs, hosts)).filter(
      (t) => t.to === 'Off' && t.by.includes('vigil-fencing'),
    );
  }

  async state(host: string): Promise<string | undefined> {
    return (await this.stack.api.hostState(host))?.state;
  }

  async waitState(host: string, states: readonly string[], timeoutMs = 60_000): Promise<string> {
    return waitFor(
      async () => {
        const s = await this.state(host);
        return s && states.includes(s) ? s : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `${host} to reach ${states.join('|')}` },
    );
  }

  /** Polls the controller's states of `hosts` until `stop()`: every state each was seen in. */
  watchStates(hosts: readonly string[]): { stop: () => Promise<Map<string, Set<string>>> } {
    const seen = new Map(hosts.map((h) => [h, new Set<string>()]));
    let running = true;
    const loop = (async () => {
      while (running) {
        await Promise.all(
          hosts.map(async (h) => {
            const s = await this.state(h).catch(() => undefined);
            if (s) seen.get(h)?.add(s);
          }),
        );
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return seen;
      },
    };
  }

  hostsOfRack(rack: string): string[] {
    return this.stack.sim.plan.hosts.filter((h) => h.rack === rack && !h.reserved).map((h) => h.name);
  }
}
