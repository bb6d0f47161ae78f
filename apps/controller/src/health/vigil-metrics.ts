import { Injectable } from '@nestjs/common';
import { type Counter, type Gauge, type Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

export const HEARTBEAT_RESULTS = [
  'accepted',
  'duplicate',
  'bad-signature',
  'clock-skew',
  'malformed',
  'unknown-host',
  'unavailable',
] as const;
export type HeartbeatResult = (typeof HEARTBEAT_RESULTS)[number];
export const FENCING_RESULTS = ['success', 'failure', 'timeout', 'unverified'] as const;
export type FencingResult = (typeof FENCING_RESULTS)[number];
export const EVACUATION_RESULTS = ['success', 'failure', 'timeout', 'skipped'] as const;
export type EvacuationResult = (typeof EVACUATION_RESULTS)[number];
export const DEPENDENCY_SERVICES = ['redis', 'nova', 'keystone'] as const;
export type DependencyService = (typeof DEPENDENCY_SERVICES)[number];
/** `success`, or why it failed: `timeout`, `unavailable` (connection, 5xx), `rejected` (4xx, reply error). */
export type DependencyOutcome = 'success' | 'timeout' | 'unavailable' | 'rejected';
const DEPENDENCY_ERRORS = ['timeout', 'unavailable', 'rejected'] as const;
export const ALERT_SOURCES = ['alertmanager', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];
export const ALERT_RESULTS = ['accepted', 'duplicate', 'unmapped', 'malformed', 'unauthorized'] as const;
export type AlertResult = (typeof ALERT_RESULTS)[number];
export const EVENT_DELIVERY_RESULTS = ['delivered', 'failed', 'dropped'] as const;
export type EventDeliveryResult = (typeof EVENT_DELIVERY_RESULTS)[number];

export const PACING_SCOPE_KINDS = ['global', 'segment', 'incident'] as const;
export type PacingScopeKind = (typeof PACING_SCOPE_KINDS)[number];

/** A stored-state reading: label value → count. Labels missing from a reading are reset to 0. */
export type CountsByLabel = Readonly<Record<string, number>>;

/** Seconds from a host's last heartbeat to the confirmed failure: heartbeat timeouts are seconds. */
const DETECTION_BUCKETS = [0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300];
/** Power-off and verify: IPMI answers in seconds, some BMCs take a minute or two. */
const FENCING_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300];
/** Evacuate call to confirmed ACTIVE elsewhere: tens of seconds to many minutes. */
const EVACUATION_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 1200, 1800];
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every metric family Vigil exposes, behind typed methods. Modules call these; nobody else names a
 * metric. Stored-state gauges (hosts, incidents, queues) are fed by scrape-time sources (`observe*`).
 */
@Injectable()
export class VigilMetrics {
  private readonly hosts: Gauge<'state'>;
  private readonly heartbeats: Counter<'result'>;
  private readonly detectionLatency: Histogram;
  private readonly incidents: Gauge<'status'>;
  private readonly oldestRunningIncident: Gauge;
  private readonly fencingAttempts: Counter<'result'>;
  private readonly fencingDuration: Histogram<'result'>;
  private readonly evacuations: Counter<'result'>;
  private readonly evacuationDuration: Histogram<'result'>;
  private readonly queueDepth: Gauge<'queue'>;
  private readonly stormGuard: Gauge<'scope'>;
  private readonly leader: Gauge;
  private readonly dependencyDuration: Histogram<'service' | 'outcome'>;
  private readonly dependencyErrors: Counter<'service' | 'outcome'>;
  private readonly alerts: Counter<'source' | 'result'>;
  private readonly eventDeliveries: Counter<'result'>;
  private readonly outsideIgnored: Counter;
  private readonly domainHosts: Gauge<'domain' | 'state'>;
  private readonly pacingLimit: Gauge<'scope' | 'bound'>;
  private readonly pacingDecisions: Counter<'scope_kind' | 'direction'>;

  constructor(private readonly metrics: MetricsService) {
    this.hosts = metrics.gauge({
      name: 'vigil_hosts',
      help: 'Monitored compute hosts by HA state.',
      labelNames: ['state'],
    });
    this.heartbeats = metrics.counter({
      name: 'vigil_heartbeats_received_total',
      help: 'Heartbeats received from host monitors, by result.',
      labelNames: ['result'],
    });
    this.detectionLatency = metrics.histogram({
      name: 'vigil_detection_latency_seconds',
      help: "Time from a failed host's last heartbeat to its confirmed failure.",
      buckets: DETECTION_BUCKETS,
    });
    this.incidents = metrics.gauge({
      name: 'vigil_incidents',
      help: 'Recovery incidents by status.',
      labelNames: ['status'],
    });
    this.oldestRunningIncident = metrics.gauge({
      name: 'vigil_incident_oldest_running_age_seconds',
      help: 'Age of the oldest incident still running (0 when none is).',
    });
    this.fencingAttempts = metrics.counter({
      name: 'vigil_fencing_attempts_total',
      help: 'Power-off-and-verify attempts, by result.',
      labelNames: ['result'],
    });
    this.fencingDuration = metrics.histogram({
      name: 'vigil_fencing_duration_seconds',
      help: 'Duration of one power-off-and-verify attempt.',
      labelNames: ['result'],
      buckets: FENCING_BUCKETS,
    });
    this.evacuations = metrics.counter({
      name: 'vigil_evacuations_total',
      help: 'Instance evacuations, by result.',
      labelNames: ['result'],
    });
    this.evacuationDuration = metrics.histogram({
      name: 'vigil_evacuation_duration_seconds',
      help: 'Time from the evacuate call to the confirmed outcome.',
      labelNames: ['result'],
      buckets: EVACUATION_BUCKETS,
    });
    this.queueDepth = metrics.gauge({
      name: 'vigil_queue_depth',
      help: 'Jobs waiting (waiting + delayed) per queue.',
      labelNames: ['queue'],
    });
    this.stormGuard = metrics.gauge({
      name: 'vigil_storm_guard_active',
      help: '1 while the storm guard suspends fencing in a scope (a segment, or "global" for the heartbeat cliff).',
      labelNames: ['scope'],
    });
    this.leader = metrics.gauge({
      name: 'vigil_leader',
      help: '1 while this replica holds the leader lease.',
    });
    this.dependencyDuration = metrics.histogram({
      name: 'vigil_dependency_request_duration_seconds',
      help: 'Latency of requests to Redis, Nova and Keystone, by outcome.',
      labelNames: ['service', 'outcome'],
      buckets: REQUEST_BUCKETS,
    });
    this.dependencyErrors = metrics.counter({
      name: 'vigil_dependency_request_errors_total',
      help: 'Failed requests to Redis, Nova and Keystone, by outcome.',
      labelNames: ['service', 'outcome'],
    });
    this.alerts = metrics.counter({
      name: 'vigil_alerts_received_total',
      help: 'Alerts received on the webhooks, by source and result.',
      labelNames: ['source', 'result'],
    });
    this.eventDeliveries = metrics.counter({
      name: 'vigil_event_deliveries_total',
      help: 'Outbound CloudEvents per receiver attempt-chain, by final result (dropped = queue full or shutdown).',
      labelNames: ['result'],
    });
    this.outsideIgnored = metrics.counter({
      name: 'vigil_outside_notifications_ignored_total',
      help: 'Outside COMPUTE_HOST notifications ignored because Vigil sees the host alive (policy outsideHostNotifications: evidence).',
    });
    this.domainHosts = metrics.gauge({
      name: 'vigil_failure_domain_hosts',
      help: 'Hosts by failure domain (detection.failureDomains, or Nova by failureDomainsFrom) and detection state.',
      labelNames: ['domain', 'state'],
    });
    this.pacingLimit = metrics.gauge({
      name: 'vigil_recovery_concurrency_limit',
      help: 'Evacuations allowed in flight per scope (global, segment:<id>): the adaptive limit (bound="current") and the operator bounds (min, max).',
      labelNames: ['scope', 'bound'],
    });
    this.pacingDecisions = metrics.counter({
      name: 'vigil_recovery_pacing_decisions_total',
      help: 'Changes of an adaptive evacuation limit, by scope kind (global, segment, incident) and direction (up, down).',
      labelNames: ['scope_kind', 'direction'],
    });
    this.leader.set(0);
    // Every documented label value exists from the first scrape, so increase() sees the first event.
    zero(this.heartbeats, { result: HEARTBEAT_RESULTS });
    zero(this.fencingAttempts, { result: FENCING_RESULTS });
    zero(this.evacuations, { result: EVACUATION_RESULTS });
    zero(this.dependencyErrors, { service: DEPENDENCY_SERVICES, outcome: DEPENDENCY_ERRORS });
    zero(this.alerts, { source: ALERT_SOURCES, result: ALERT_RESULTS });
    zero(this.eventDeliveries, { result: EVENT_DELIVERY_RESULTS });
    zero(this.pacingDecisions, { scope_kind: PACING_SCOPE_KINDS, direction: ['up', 'down'] });
  }

  heartbeatReceived(result: HeartbeatResult): void {
    this.heartbeats.inc({ result });
  }

  failureDetected(secondsSinceLastHeartbeat: number): void {
    this.detectionLatency.observe(secondsSinceLastHeartbeat);
  }

  fencingAttempt(result: FencingResult, seconds: number): void {
    this.fencingAttempts.inc({ result });
    this.fencingDuration.observe({ result }, seconds);
  }

  evacuation(result: EvacuationResult, seconds: number): void {
    this.evacuations.inc({ result });
    this.evacuationDuration.observe({ result }, seconds);
  }

  dependencyRequest(service: DependencyService, outcome: DependencyOutcome, seconds: number): void {
    this.dependencyDuration.observe({ service, outcome }, seconds);
    if (outcome !== 'success') this.dependencyErrors.inc({ service, outcome });
  }

  /**
   * An immediate update; the scrape-time reading of the shared state (observeStormGuards) has the last
   * word, so every replica exports the same guards whoever engaged or released them.
   */
  stormGuardActive(scope: string, active: boolean): void {
    this.stormGuard.set({ scope }, active ? 1 : 0);
    seenValues(this.stormGuard).add(scope);
  }

  /** Storm guards by scope (1 engaged, 0 not) from the shared state, at every scrape, on every replica. */
  observeStormGuards(source: () => Promise<CountsByLabel>): void {
    this.metrics.registerCollector('storm-guards', async () =>
      setCounts(this.stormGuard, 'scope', await source()),
    );
  }

  leaderStatus(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  alertReceived(source: AlertSource, result: AlertResult, count = 1): void {
    if (count > 0) this.alerts.inc({ source, result }, count);
  }

  outsideNotificationIgnored(): void {
    this.outsideIgnored.inc();
  }

  eventDelivery(result: EventDeliveryResult): void {
    this.eventDeliveries.inc({ result });
  }

  pacingDecision(scopeKind: PacingScopeKind, direction: 'up' | 'down'): void {
    this.pacingDecisions.inc({ scope_kind: scopeKind, direction });
  }

  /** Adaptive evacuation limits (global and per segment; incidents are in their timelines), at every scrape. */
  observePacing(source: () => readonly { scope: string; limit: number; min: number; max: number }[]): void {
    this.metrics.registerCollector('pacing', () => {
      for (const s of source()) {
        this.pacingLimit.set({ scope: s.scope, bound: 'current' }, s.limit);
        this.pacingLimit.set({ scope: s.scope, bound: 'min' }, s.min);
        this.pacingLimit.set({ scope: s.scope, bound: 'max' }, s.max);
      }
      return Promise.resolve();
    });
  }

  queueDepthNow(queue: string, depth: number): void {
    this.queueDepth.set({ queue }, depth);
  }

  /** Hosts by state, read from stored state at every scrape. */
  observeHostStates(source: () => Promise<CountsByLabel>): void {
    this.metrics.registerCollector('hosts', async () => setCounts(this.hosts, 'state', await source()));
  }

  /** Hosts by failure domain and state, read from stored state at every scrape (every state of a known domain shows, 0 included). */
  observeFailureDomains(source: () => Promise<Readonly<Record<string, CountsByLabel>>>): void {
    const seen = new Map<string, Set<string>>();
    this.metrics.registerCollector('failure-domains', async () => {
      const reading = await source();
      for (const [domain, byState] of Object.entries(reading)) {
        const states = seen.get(domain) ?? new Set<string>();
        seen.set(domain, states);
        for (const state of Object.keys(byState)) states.add(state);
      }
      for (const [domain, states] of seen)
        for (const state of states) this.domainHosts.set({ domain, state }, reading[domain]?.[state] ?? 0);
    });
  }

  /** Incidents by status, and the age of the oldest running one (seconds), read at every scrape. */
  observeIncidents(
    source: () => Promise<{ byStatus: CountsByLabel; oldestRunningAgeSeconds: number }>,
  ): void {
    this.metrics.registerCollector('incidents', async () => {
      const reading = await source();
      setCounts(this.incidents, 'status', reading.byStatus);
      this.oldestRunningIncident.set(reading.oldestRunningAgeSeconds);
    });
  }

  /** Depth of several queues at every scrape (`events` is fed directly by the publisher). */
  observeQueueDepths(name: string, source: () => Promise<CountsByLabel>): void {
    this.metrics.registerCollector(`queues:${name}`, async () => {
      for (const [queue, depth] of Object.entries(await source())) this.queueDepth.set({ queue }, depth);
    });
  }
}

/** Sets every reported label value and zeroes the ones seen before but missing now, so an emptied state shows 0. */
function setCounts<L extends string>(gauge: Gauge<L>, label: L, counts: CountsByLabel): void {
  const seen = seenValues(gauge);
  for (const value of Object.keys(counts)) seen.add(value);
  for (const value of seen) gauge.set({ [label]: value } as Record<L, string>, counts[value] ?? 0);
}
const seenLabelValues = new WeakMap<object, Set<string>>();

function seenValues(gauge: object): Set<string> {
  const seen = seenLabelValues.get(gauge) ?? new Set<string>();
  seenLabelValues.set(gauge, seen);
  return seen;
}

/** Creates every combination of the given label values at 0. */
function zero<L extends string>(counter: Counter<L>, values: Record<L, readonly string[]>): void {
  let combos: Record<string, string>[] = [{}];
  for (const [label, options] of Object.entries(values) as [L, readonly string[]][])
    combos = combos.flatMap((c) => options.map((v) => ({ ...c, [label]: v })));
  for (const labels of combos) counter.inc(labels as Partial<Record<L, string>>, 0);
}
