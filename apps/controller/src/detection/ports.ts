import { Inject, Injectable } from '@nestjs/common';
import { type FailureDomainSource, type NovaPlacement } from './failure-domains';
import { type Verdict } from './model';
import { type NovaServiceReading } from './nova-reports';

/**
 * What detection needs from the rest of Vigil, as interfaces with injection tokens. The lead wires the
 * real implementations (inventory, Nova, fencing drivers, recovery workflow); tests bind simple ones.
 */
export interface MonitoredHost {
  /** nova-compute service host name. */
  name: string;
  segmentUuid: string;
  onMaintenance: boolean;
  /** Segment `enabled`: a disabled segment never starts recovery. */
  segmentEnabled: boolean;
}

export interface MonitoredHostDirectory {
  /** Every host under monitoring (all segments). Called once per sweep and on intake cache misses. */
  listMonitoredHosts(): Promise<MonitoredHost[]>;
}
export const MONITORED_HOST_DIRECTORY = Symbol('MONITORED_HOST_DIRECTORY');

/** Second opinions about silent hosts. Each call must answer within its own timeout; `unknown` on any failure. */
export interface EvidenceProbe {
  /** Every nova-compute service, in one `GET /os-services` (called once per sweep with silent hosts, not per host). */
  novaComputeServices(): Promise<NovaServiceReading[]>;
  /** Through the fencing drivers (status only, never a power action). */
  bmcPowerState(host: string): Promise<'on' | 'off' | 'unknown'>;
}
export const EVIDENCE_PROBE = Symbol('EVIDENCE_PROBE');

/**
 * Starts the recovery of a failed host. Detection calls it once per (host, generation), guarded by a
 * Redis key written under the fencing token; it should still be idempotent on (host, generation) in
 * case a leader dies between the guard and the answer.
 */
export interface IncidentOpener {
  /** Returns the incident id. */
  openHostFailure(host: string, verdict: Verdict): Promise<string>;
}
export const INCIDENT_OPENER = Symbol('INCIDENT_OPENER');

/** Component triage: disable nova-compute of a host whose agents failed but which is alive (no fencing). */
export interface ComputeServiceActions {
  disableCompute(host: string, reason: string): Promise<void>;
}
export const COMPUTE_SERVICE_ACTIONS = Symbol('COMPUTE_SERVICE_ACTIONS');

/** A signed instance (VM) event from a host monitor: Masakari's VM notification payload. */
export interface InstanceEvent {
  instance_uuid: string;
  vir_domain_event: string;
  event: string;
  generated_time: string;
}

/** Where instance events go (the Masakari notification pipeline). Unwired = kept in a capped Redis list. */
export interface InstanceEventSink {
  accept(host: string, event: InstanceEvent): Promise<void>;
}
export const INSTANCE_EVENT_SINK = Symbol('INSTANCE_EVENT_SINK');

/** Where Nova places hosts (aggregates, zones): read for failure domains (`detection.failureDomainsFrom`). */
export interface NovaPlacementReader {
  /** Reads only what `from` needs: `GET /os-aggregates` or `GET /os-services`. */
  read(from: FailureDomainSource): Promise<NovaPlacement>;
}
export const NOVA_PLACEMENT_READER = Symbol('NOVA_PLACEMENT_READER');

export interface DetectionPortBindings {
  directory?: MonitoredHostDirectory;
  probe?: EvidenceProbe;
  incidents?: IncidentOpener;
  compute?: ComputeServiceActions;
  instanceEvents?: InstanceEventSink;
  placement?: NovaPlacementReader;
}

/**
 * The ports as injected (each required: the controller does not boot without them, and the boot error
 * names the missing one), plus `bind()` for tests that replace one at an edge (a probe, a directory).
 */
@Injectable()
export class DetectionPorts {
  private ports: DetectionPortBindings;

  constructor(
    @Inject(MONITORED_HOST_DIRECTORY) directory: MonitoredHostDirectory,
    @Inject(EVIDENCE_PROBE) probe: EvidenceProbe,
    @Inject(INCIDENT_OPENER) incidents: IncidentOpener,
    @Inject(COMPUTE_SERVICE_ACTIONS) compute: ComputeServiceActions,
    @Inject(INSTANCE_EVENT_SINK) instanceEvents: InstanceEventSink,
    @Inject(NOVA_PLACEMENT_READER) placement: NovaPlacementReader,
  ) {
    this.ports = { directory, probe, incidents, compute, instanceEvents, placement };
  }

  bind(ports: DetectionPortBindings): void {
    this.ports = { ...this.ports, ...ports };
  }

  get directory(): MonitoredHostDirectory | undefined {
    return this.ports.directory;
  }
  get probe(): EvidenceProbe | undefined {
    return this.ports.probe;
  }
  get incidents(): IncidentOpener | undefined {
    return this.ports.incidents;
  }
  get compute(): ComputeServiceActions | undefined {
    return this.ports.compute;
  }
  get instanceEvents(): InstanceEventSink | undefined {
    return this.ports.instanceEvents;
  }
  get placement(): NovaPlacementReader | undefined {
    return this.ports.placement;
  }
}
