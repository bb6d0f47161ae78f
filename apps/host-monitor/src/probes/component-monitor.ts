import { type ComponentStatus } from '@vigil/contracts';
import { type Logger } from '@vigil/config';
import { type Clock } from '@vigil/heartbeat';
import { type ComponentProbe } from './registry';

/**
 * Probes every component on its own loop and keeps the latest status of each. Heartbeats read the
 * snapshot, so a slow probe (virsh can take seconds) never delays a heartbeat, and a heartbeat sent after
 * an outage always carries the freshest statuses. Status changes are logged once, not every round.
 */
export class ComponentMonitor {
  private readonly latest = new Map<string, ComponentStatus>();

  constructor(
    private readonly components: readonly ComponentProbe[],
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    for (const c of components) this.latest.set(c.name, { state: 'unknown', reason: 'not probed yet' });
  }

  snapshot(): Record<string, ComponentStatus> {
    return Object.fromEntries([...this.latest].map(([name, status]) => [name, { ...status }]));
  }

  /** One round of every component, in parallel (each bounded by its checks' timeouts). */
  async probeAll(): Promise<void> {
    await Promise.all(this.components.map((c) => this.probeOne(c)));
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(
      this.components.map(async (component) => {
        while (!signal.aborted) {
          await this.clock.sleep(this.intervalMs, signal);
          if (signal.aborted) break;
          await this.probeOne(component);
        }
      }),
    );
  }

  private async probeOne(component: ComponentProbe): Promise<void> {
    let status: ComponentStatus;
    try {
      const outcome = await component.check();
      status = { ...outcome, checkedAt: this.clock.nowMs() };
    } catch (err) {
      // Probes never reject by contract; if one does, that is our bug, reported as unknown rather than lost.
      status = {
        state: 'unknown',
        reason: `probe error: ${(err as Error).message}`,
        checkedAt: this.clock.nowMs(),
      };
    }
    const previous = this.latest.get(component.name);
    this.latest.set(component.name, status);
    if (previous?.state !== status.state) {
      const line = {
        component: component.name,
        state: status.state,
        previous: previous?.state,
        reason: status.reason,
      };
      if (status.state === 'ok') this.logger.info(line, 'component status changed');
      else this.logger.warn(line, 'component status changed');
    }
  }
}
