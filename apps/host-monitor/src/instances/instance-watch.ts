import { randomUUID } from 'node:crypto';
import { type InstanceWatchConfig, type Logger } from '@vigil/config';
import { type InstanceEventReport, instanceEventsPath } from '@vigil/contracts';
import { type CommandRunner } from '../platform/command-runner';
import {
  Backoff,
  type Clock,
  type ControllerLink,
  EVENT_STREAM_RESTART_MAX_MS,
  HEARTBEAT_BACKOFF_MAX_MS,
  type MonitorIdentity,
} from '@vigil/heartbeat';
import { isUuid, type LibvirtInstanceEvent, parseDomUuid, parseVirshEventLine } from './libvirt-event-parser';

/** Events kept while no controller answers; beyond it the oldest are dropped (and logged). */
export const MAX_PENDING_INSTANCE_EVENTS = 1000;
/** First delay before restarting a dead event stream. */
const STREAM_RESTART_BASE_MS = 1000;
/** A stream that lived this long was healthy: its next death restarts after the base delay again. */
const STREAM_HEALTHY_AFTER_MS = 60_000;
/** First delay before resending instance events after no controller answered. */
const SEND_RETRY_BASE_MS = 500;

export interface InstanceWatchStats {
  observed: number;
  delivered: number;
  dropped: number;
}

/**
 * Follows libvirt's event stream and reports instance failures to the controller as signed VM
 * notifications. Events are delivered in order, retried until a controller takes them, each with a fixed
 * `eventId` so a retry is recognisable as the same event.
 */
export class InstanceWatch {
  readonly stats: InstanceWatchStats = { observed: 0, delivered: 0, dropped: 0 };
  private readonly pending: { eventId: string; body: string }[] = [];
  private readonly uuids = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    private readonly config: InstanceWatchConfig,
    private readonly identity: MonitorIdentity,
    private readonly runner: CommandRunner,
    private readonly link: ControllerLink,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.follow(signal), this.deliver(signal)]);
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(STREAM_RESTART_BASE_MS, EVENT_STREAM_RESTART_MAX_MS);
    while (!signal.aborted) {
      const startedAt = this.clock.monoMs();
      const stream = this.runner.streamLines(this.config.command, (line) => this.onLine(line));
      const stop = (): void => stream.stop();
      signal.addEventListener('abort', stop, { once: true });
      const result = await stream.ended;
      signal.removeEventListener('abort', stop);
      if (signal.aborted) break;
      if (this.clock.monoMs() - startedAt >= STREAM_HEALTHY_AFTER_MS) backoff.reset();
      const delayMs = backoff.next();
      this.logger.warn(
        { command: this.config.command[0], result: 'message' in result ? result.message : result, delayMs },
        'libvirt event stream ended; restarting (events in the gap are not seen)',
      );
      await this.clock.sleep(delayMs, signal);
    }
  }

  private onLine(line: string): void {
    const event = parseVirshEventLine(line);
    if (!event) return;
    this.stats.observed += 1;
    const seenAtMs = this.clock.nowMs();
    // Serialised so notifications keep the order libvirt emitted them in, despite async UUID lookups.
    this.chain = this.chain.then(() => this.enqueue(event, seenAtMs));
  }

  private async enqueue(event: LibvirtInstanceEvent, seenAtMs: number): Promise<void> {
    const instanceUuid = await this.resolveUuid(event.domain);
    if (!instanceUuid) {
      this.stats.dropped += 1;
      this.logger.error(
        { domain: event.domain, event: event.virDomainEvent },
        'cannot resolve domain UUID; event dropped',
      );
      return;
    }
    const report: InstanceEventReport = {
      v: 1,
      host: this.identity.host,
      bootId: this.identity.bootId,
      runId: this.identity.runId,
      eventId: randomUUID(),
      generatedTime: new Date(seenAtMs).toISOString(),
      type: 'VM',
      payload: { instance_uuid: instanceUuid, vir_domain_event: event.virDomainEvent, event: event.event },
    };
    this.logger.info({ domain: event.domain, ...report.payload }, 'instance event');
    if (this.pending.length >= MAX_PENDING_INSTANCE_EVENTS) {
      const dropped = this.pending.shift();
      this.stats.dropped += 1;
      this.logger.error({ eventId: dropped?.eventId }, 'instance event queue full; oldest event dropped');
    }
    this.pending.push({ eventId: report.eventId, body: JSON.stringify(report) });
    this.wake?.();
  }

  private async resolveUuid(domain: string): Promise<string | undefined> {
    // Nova gives the libvirt domain the instance's UUID; the name (instance-0000002a) needs one lookup.
    if (isUuid(domain)) return domain.toLowerCase();
    const cached = this.uuids.get(domain);
    if (cached) return cached;
    const result = await this.runner.run([...this.config.uuidCommand, domain], this.config.uuidTimeoutMs);
    const uuid = result.kind === 'exited' && result.exitCode === 0 ? parseDomUuid(result.stdout) : undefined;
    if (uuid) this.uuids.set(domain, uuid);
    return uuid;
  }

  private async deliver(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(SEND_RETRY_BASE_MS, HEARTBEAT_BACKOFF_MAX_MS);
    const path = instanceEventsPath(this.identity.host);
    while (!signal.aborted) {
      const next = this.pending[0];
      if (!next) {
        await this.waitForWork(signal);
        continue;
      }
      const outcome = await this.link.post(path, next.body);
      switch (outcome.kind) {
        case 'accepted':
        case 'stale': // 409: the controller already has this eventId.
          this.pending.shift();
          this.stats.delivered += 1;
          backoff.reset();
          break;
        case 'rejected':
          this.pending.shift();
          this.stats.dropped += 1;
          this.logger.error(
            { eventId: next.eventId, status: outcome.status },
            'controller rejected instance event',
          );
          break;
        case 'unavailable':
          await this.clock.sleep(backoff.next(), signal);
          break;
      }
    }
  }

  private waitForWork(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wake = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
