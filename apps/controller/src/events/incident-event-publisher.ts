import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type ControllerConfig, type EventWebhookConfig, type Logger, registerSecret } from '@vigil/config';
import { VigilMetrics } from '../health/vigil-metrics';
import { CONFIG, LOGGER } from '../platform/tokens';
import { type CloudEvent, type IncidentEvent, retryDelayMs, toCloudEvent } from './cloud-event';
import { WebhookSender } from './webhook-sender';

/**
 * Publishes incident events as CloudEvents to the configured webhooks, without ever blocking or failing
 * the caller.
 *
 * Why an in-memory queue per receiver and not BullMQ: notifications are informational and must never
 * compete with recovery for Redis (the recovery queues and the fencing token live there, and during an
 * outage Redis is exactly what is scarce). A bounded queue costs nothing when receivers are healthy;
 * its price is that events still queued when the process stops are lost, which is counted
 * (`vigil_event_deliveries_total{result="dropped"}`) and logged. The source of truth stays the incident
 * record, which receivers can re-read through the API.
 */
@Injectable()
export class IncidentEventPublisher implements OnApplicationShutdown {
  private readonly receivers: Receiver[];
  private readonly source: string;
  private readonly taps = new Set<(event: CloudEvent) => void>();

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: VigilMetrics,
  ) {
    const events = config.events;
    this.source = events.source;
    this.receivers = events.webhooks.map((webhook, index) => {
      registerSecret(webhook.secret);
      return new Receiver(webhook, index, events, logger, metrics);
    });
  }

  /** Queues the event for every receiver whose `types` filter takes it. Returns at once. */
  publish(event: IncidentEvent): void {
    if (this.receivers.length === 0 && this.taps.size === 0) return;
    const cloudEvent = toCloudEvent(event, this.source);
    for (const tap of this.taps) {
      try {
        tap(cloudEvent);
      } catch (err) {
        this.logger.warn({ err, type: cloudEvent.type }, 'event listener failed');
      }
    }
    if (this.receivers.length === 0) return;
    let body: string;
    try {
      body = JSON.stringify(cloudEvent);
    } catch (err) {
      // A caller's bad `data` (a cycle, a BigInt) must not break the incident workflow that published it.
      this.metrics.eventDelivery('dropped');
      this.logger.error({ err, type: cloudEvent.type, host: event.host }, 'event not serialisable; dropped');
      return;
    }
    for (const r of this.receivers) r.enqueue(cloudEvent.type, body);
  }

  /** In-process listener (the operator view's live stream); returns its unsubscribe. */
  tap(listener: (event: CloudEvent) => void): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  /** Events waiting or in flight, all receivers (for tests and the queue-depth gauge). */
  get pending(): number {
    return this.receivers.reduce((n, r) => n + r.pending, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.receivers.map((r) => r.stop()));
  }
}

interface QueueSettings {
  maxQueued: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** One receiver: its own FIFO and sender loop, so a dead receiver never delays the others. */
class Receiver {
  private readonly queue: string[] = [];
  private readonly sender: WebhookSender;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly cancel = new AbortController();
  private inFlight = 0;

  constructor(
    private readonly webhook: EventWebhookConfig,
    private readonly index: number,
    private readonly settings: QueueSettings,
    private readonly logger: Logger,
    private readonly metrics: VigilMetrics,
  ) {
    this.sender = new WebhookSender(webhook);
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  enqueue(type: string, body: string): void {
    if (this.stopped) return;
    if (this.webhook.types && !this.webhook.types.includes(type)) return;
    if (this.queue.length >= this.settings.maxQueued) {
      // Drop the oldest: the newest event describes the current state best.
      this.queue.shift();
      this.metrics.eventDelivery('dropped');
      this.logger.warn(
        { receiver: this.index, maxQueued: this.settings.maxQueued },
        'event queue full; oldest event dropped',
      );
    }
    this.queue.push(body);
    this.report();
    this.kick();
  }

  private kick(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      // An event queued while the loop was finishing would otherwise wait for the next publish.
      if (this.queue.length > 0) this.kick();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.cancel.abort();
    await this.loop;
    if (this.queue.length > 0) {
      for (let i = 0; i < this.queue.length; i++) this.metrics.eventDelivery('dropped');
      this.logger.warn(
        { receiver: this.index, dropped: this.queue.length },
        'shutting down: undelivered events dropped',
      );
      this.queue.length = 0;
    }
  }

  private async run(): Promise<void> {
    for (let body = this.queue.shift(); body !== undefined && !this.stopped; body = this.queue.shift()) {
      this.inFlight = 1;
      this.report();
      try {
        await this.deliver(body);
      } finally {
        this.inFlight = 0;
        this.report();
      }
    }
  }

  private async deliver(body: string): Promise<void> {
    const { maxAttempts, retryBaseDelayMs, retryMaxDelayMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.sender.send(body, this.cancel.signal);
      if (outcome.kind === 'delivered') {
        this.metrics.eventDelivery('delivered');
        return;
      }
      if (outcome.kind === 'rejected' || attempt >= maxAttempts || this.stopped) {
        this.metrics.eventDelivery(this.stopped && outcome.kind === 'retry' ? 'dropped' : 'failed');
        this.logger.warn(
          { receiver: this.index, attempt, why: outcome.why },
          'event not delivered; given up',
        );
        return;
      }
      this.logger.debug(
        { receiver: this.index, attempt, why: outcome.why },
        'event delivery failed; retrying',
      );
      await this.sleep(retryDelayMs(attempt, retryBaseDelayMs, retryMaxDelayMs, Math.random));
    }
  }

  /** Interrupted by `stop()`, so shutdown never waits out a long backoff. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private report(): void {
    this.metrics.queueDepthNow(`events:${this.index}`, this.pending);
  }
}
