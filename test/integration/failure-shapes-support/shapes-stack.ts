import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@vigil/config';
import { LogCapture, waitFor } from '@vigil/testing';
import { type NotificationView } from '../../../apps/cloud-sim/src/demo/controller-api';
import { type DemoStack, startDemoStack } from '../../../apps/cloud-sim/src/demo/demo-stack';
import { parseScenario } from '../../../apps/cloud-sim/src/scenario/scenario';
import { type Partition, type PowerTransition } from '../../../apps/cloud-sim/src/sim';
import { ensureBuilt } from '../support/ensure-built';

export interface HostView {
  state: string;
  note?: string;
  failureDomain?: string;
  segmentUuid: string;
  timeline: Array<{ at: number; from: string; to: string; reason: string }>;
}

/**
 * The production controller (dist build, child process, embedded Redis) on cloud-sim, for the shapes
 * real outages take (issue 14). Assertions read the sim's ground truth through its HTTP API: the power
 * log says what was really powered off, whatever the controller believes.
 */
export class ShapesStack {
  stack!: DemoStack;
  readonly logs = new LogCapture();
  private workDir = '';
  private readonly watches = new Set<() => Promise<unknown>>();

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
    await Promise.all([...this.watches].map((stop) => stop()));
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
    return (await this.view(host))?.state;
  }

  /** The controller's detection view of a host (state, note, failure domain, timeline); undefined = unknown. */
  async view(host: string): Promise<HostView | undefined> {
    const res = await fetch(`${this.stack.controllerUrl}/vigil/v1/hosts/${host}/state`);
    if (res.status === 404) return undefined;
    return ((await res.json()) as { host_state: HostView }).host_state;
  }

  /** The Vigil incident behind a notification, as JSON text (its reason, fence detail, timeline). */
  async incidentText(notificationUuid: string): Promise<string> {
    const res = await fetch(`${this.stack.controllerUrl}/vigil/v1/incidents/${notificationUuid}`);
    return res.text();
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

  /**
   * Polls the controller's view of `hosts` until `stop()` (or the stack stops): every state each was
   * seen in, and every note (why a state is held).
   */
  watchStates(hosts: readonly string[]): {
    stop: () => Promise<Map<string, Set<string>>>;
    notes: Map<string, Set<string>>;
  } {
    const seen = new Map(hosts.map((h) => [h, new Set<string>()]));
    const notes = new Map(hosts.map((h) => [h, new Set<string>()]));
    let running = true;
    const loop = (async () => {
      while (running) {
        await Promise.all(
          hosts.map(async (h) => {
            const v = await this.view(h).catch(() => undefined);
            if (v) seen.get(h)?.add(v.state);
            if (v?.note) notes.get(h)?.add(v.note);
          }),
        );
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const stop = async (): Promise<Map<string, Set<string>>> => {
      running = false;
      await loop;
      return seen;
    };
    this.watches.add(stop);
    return { stop, notes };
  }

  /** The newest notification whose source is this host, if any. */
  async notificationOf(host: string): Promise<NotificationView | undefined> {
    const uuid = this.stack.hostUuids.get(host);
    const all = await this.stack.api.notifications();
    return all.filter((n) => n.source_host_uuid === uuid).at(-1);
  }

  /** Waits for the host's notification to reach one of `statuses`. */
  async waitNotification(
    host: string,
    statuses: readonly string[],
    timeoutMs = 90_000,
  ): Promise<NotificationView> {
    return waitFor(
      async () => {
        const n = await this.notificationOf(host);
        return n && statuses.includes(n.status) ? n : undefined;
      },
      { timeoutMs, intervalMs: 300, what: `${host}'s notification to reach ${statuses.join('|')}` },
    );
  }

  /** Every instance the plan put on `host` runs elsewhere now (Nova's truth, in the sim). */
  instancesActiveElsewhere(host: string): boolean {
    const { model } = this.stack.sim.openstack.nova;
    const planned = new Set(this.stack.sim.plan.instances.filter((i) => i.host === host).map((i) => i.name));
    const servers = model.servers().filter((s) => planned.has(s.name));
    return (
      servers.length === planned.size &&
      servers.every((s) => s.host !== host && s.vmState === 'active' && s.taskState === null)
    );
  }

  /** A host failure recovered: finished notification, every instance ACTIVE elsewhere. */
  async waitRecovered(host: string, timeoutMs = 90_000): Promise<void> {
    try {
      await this.waitNotification(host, ['finished'], timeoutMs);
    } catch (err) {
      // What the controller thought, for the failure message.
      const n = await this.notificationOf(host);
      const why = JSON.stringify({
        view: await this.view(host),
        notification: n,
        incident: n ? await this.incidentText(n.notification_uuid) : undefined,
      });
      throw new Error(`${err instanceof Error ? err.message : String(err)}: ${why.slice(0, 6000)}`);
    }
    await waitFor(() => this.instancesActiveElsewhere(host), {
      timeoutMs: 30_000,
      what: `${host}'s instances ACTIVE elsewhere`,
    });
  }

  hostsOfRack(rack: string): string[] {
    return this.stack.sim.plan.hosts.filter((h) => h.rack === rack && !h.reserved).map((h) => h.name);
  }
}
