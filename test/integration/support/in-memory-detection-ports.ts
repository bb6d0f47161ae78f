import { type Verdict } from '../../../apps/controller/src/detection/model';
import { type NovaServiceReading } from '../../../apps/controller/src/detection/nova-reports';
import {
  type ComputeServiceActions,
  type DetectionPortBindings,
  type EvidenceProbe,
  type IncidentOpener,
  type InstanceEvent,
  type InstanceEventSink,
  type MonitoredHost,
  type MonitoredHostDirectory,
} from '../../../apps/controller/src/detection/ports';

/**
 * In-process implementations of every detection port, recording each call; for the specs that
 * drive detection in process. The world they describe is set by the caller (`hosts`, `nova`, `bmc`) and may change at any time.
 */
export class InMemoryDetectionPorts
  implements MonitoredHostDirectory, EvidenceProbe, IncidentOpener, ComputeServiceActions, InstanceEventSink
{
  readonly hosts = new Map<string, MonitoredHost>();
  readonly nova = new Map<string, 'up' | 'down'>();
  readonly bmc = new Map<string, 'on' | 'off'>();
  private readonly novaStoppedAt = new Map<string, number>();
  readonly incidents: Array<{ id: string; host: string; verdict: Verdict }> = [];
  readonly disabled: Array<{ host: string; reason: string }> = [];
  readonly instanceEvents: Array<{ host: string; event: InstanceEvent }> = [];
  /** Every openHostFailure call, including repeats the idempotency absorbed. */
  openCalls = 0;
  private nextId = 1;

  constructor(private readonly idPrefix = 'inc') {}

  addHosts(segmentUuid: string, names: readonly string[]): this {
    for (const name of names)
      this.hosts.set(name, { name, segmentUuid, onMaintenance: false, segmentEnabled: true });
    return this;
  }

  bindings(): DetectionPortBindings {
    return { directory: this, probe: this, incidents: this, compute: this, instanceEvents: this };
  }

  listMonitoredHosts(): Promise<MonitoredHost[]> {
    return Promise.resolve([...this.hosts.values()].map((h) => ({ ...h })));
  }

  /**
   * `up`: nova-compute reports at every call (updated_at = now). `down`: its reports stopped when the
   * host was first listed down, and Nova's state says down.
   */
  novaComputeServices(): Promise<NovaServiceReading[]> {
    const now = Date.now();
    const readings: NovaServiceReading[] = [];
    for (const [host, state] of this.nova) {
      if (state === 'up') this.novaStoppedAt.delete(host);
      else if (!this.novaStoppedAt.has(host)) this.novaStoppedAt.set(host, now);
      const updatedAt = new Date(this.novaStoppedAt.get(host) ?? now).toISOString().replace('Z', '');
      readings.push({ host, updatedAt, state, forcedDown: false });
    }
    return Promise.resolve(readings);
  }

  bmcPowerState(host: string): Promise<'on' | 'off' | 'unknown'> {
    return Promise.resolve(this.bmc.get(host) ?? 'unknown');
  }

  openHostFailure(host: string, verdict: Verdict): Promise<string> {
    this.openCalls++;
    // Idempotent on (host, generation), as the port requires.
    const same = this.incidents.find((i) => i.host === host && i.verdict.generation === verdict.generation);
    if (same) return Promise.resolve(same.id);
    const id = `${this.idPrefix}-${this.nextId++}`;
    this.incidents.push({ id, host, verdict });
    return Promise.resolve(id);
  }

  disableCompute(host: string, reason: string): Promise<void> {
    this.disabled.push({ host, reason });
    return Promise.resolve();
  }

  accept(host: string, event: InstanceEvent): Promise<void> {
    this.instanceEvents.push({ host, event });
    return Promise.resolve();
  }
}
