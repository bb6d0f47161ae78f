import { Inject, Injectable } from '@nestjs/common';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { CONFIG, LOGGER } from '../platform/tokens';

/** Updates gauges from stored state at scrape time. Must not throw synchronously; a rejection counts as a scrape error. */
export type MetricsCollector = () => Promise<void> | void;

const METRIC_NAME = /^vigil_[a-z0-9_]+$/;

/**
 * The process's one Prometheus registry. Other modules create their metrics here (`counter`, `gauge`,
 * `histogram`) and register scrape-time collectors for gauges that mirror stored state. A collector that
 * is slow (Redis hanging) or fails does not hold the scrape: after `health.collectorTimeoutMs` its gauges
 * keep their last values and `vigil_scrape_errors_total{collector}` counts the miss.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly collectors = new Map<string, MetricsCollector>();
  /** A collector still running from an earlier scrape is not started again, so a hung Redis cannot pile calls up. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly scrapeErrors: Counter<'collector' | 'reason'>;
  private readonly warned = new Set<string>();

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    if (config.health.processMetrics) {
      collectDefaultMetrics({ register: this.registry, prefix: 'vigil_' });
      dropTotalGauges(this.registry);
    }
    this.scrapeErrors = this.counter({
      name: 'vigil_scrape_errors_total',
      help: 'Scrape-time collectors that failed or timed out (their gauges show the last value).',
      labelNames: ['collector', 'reason'],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  counter<L extends string = never>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter<L>({ ...config, name: checkName(config.name), registers: [this.registry] });
  }

  gauge<L extends string = never>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge<L>({ ...config, name: checkName(config.name), registers: [this.registry] });
  }

  histogram<L extends string = never>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram<L>({ ...config, name: checkName(config.name), registers: [this.registry] });
  }

  /** Runs `fn` before every scrape. Registering a name twice replaces the earlier collector. */
  registerCollector(name: string, fn: MetricsCollector): void {
    this.collectors.set(name, fn);
  }

  unregisterCollector(name: string): void {
    this.collectors.delete(name);
  }

  /** The exposition text: collectors first (each bounded by the timeout), then every metric. */
  async render(): Promise<string> {
    await this.runCollectors();
    return this.registry.metrics();
  }

  async runCollectors(): Promise<void> {
    const timeoutMs = this.config.health.collectorTimeoutMs;
    await Promise.all([...this.collectors].map(([name, fn]) => this.runOne(name, fn, timeoutMs)));
  }

  private async runOne(name: string, fn: MetricsCollector, timeoutMs: number): Promise<void> {
    let run = this.inFlight.get(name);
    if (!run) {
      run = Promise.resolve()
        .then(fn)
        .finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, run);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([run.then(() => 'done' as const), timedOut]);
      if (outcome === 'timeout') this.recordMiss(name, 'timeout', undefined);
      else this.warned.delete(name);
    } catch (err) {
      this.recordMiss(name, 'error', err);
    } finally {
      clearTimeout(timer);
    }
  }

  private recordMiss(name: string, reason: 'timeout' | 'error', err: unknown): void {
    this.scrapeErrors.inc({ collector: name, reason });
    // Once per collector until it recovers: Prometheus scrapes every few seconds.
    if (this.warned.has(name)) return;
    this.warned.add(name);
    this.logger.warn({ collector: name, reason, err }, 'metrics collector failed; showing its last values');
  }
}

/**
 * prom-client's `nodejs_active_{handles,requests,resources}_total` are gauges, and a gauge named `_total`
 * fails `promtool check metrics`. They are dropped: `sum(vigil_nodejs_active_handles)` (by `type`) is
 * the same figure.
 */
function dropTotalGauges(registry: Registry): void {
  for (const what of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`vigil_nodejs_active_${what}_total`);
}

function checkName(name: string): string {
  if (!METRIC_NAME.test(name)) throw new Error(`metric name ${name} must match ${METRIC_NAME.source}`);
  return name;
}
