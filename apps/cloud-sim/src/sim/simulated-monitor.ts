import { randomUUID } from 'node:crypto';
import { type Logger } from '@vigil/config';
import { type InstanceEventReport, instanceEventsPath } from '@vigil/contracts';
import {
  ControllerLink,
  FetchTransport,
  HeartbeatBuilder,
  HeartbeatLoop,
  type HeartbeatStats,
  type HttpTransport,
  type MonitorIdentity,
  systemClock,
} from '@vigil/heartbeat';
import { type HostEffects } from '../model/host-condition';
import { type SimulatedConnect, SimulatedPeerWitness } from './simulated-peers';

export interface SimulatedMonitorOptions {
  host: string;
  secret: string;
  controllerUrls: readonly string[];
  intervalMs: number;
  requestTimeoutMs: number;
  /** Hosts this one witnesses, probed like the real agent (interval 2 s, timeout 1 s). */
  peers: readonly string[];
}

const PEER_PROBE_INTERVAL_MS = 2000;
const PEER_PROBE_TIMEOUT_MS = 1000;

/**
 * A partitioned host's monitor still runs; its packets just never arrive. Failing fast (instead of
 * timing out) keeps thousands of partitioned monitors from holding sockets open.
 */
class PartitionableTransport implements HttpTransport {
  private readonly inner = new FetchTransport();

  constructor(private readonly delivered: () => boolean) {}

  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number }> {
    if (!this.delivered())
      return Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error(`connect EHOSTUNREACH ${new URL(url).host}`), {
            code: 'EHOSTUNREACH',
          }),
        }),
      );
    return this.inner.post(url, headers, body, timeoutMs);
  }
}

/**
 * The host monitor's own reporting code (HeartbeatBuilder, ControllerLink, HeartbeatLoop) with its probes
 * replaced by the simulated host's component states. It runs only while the host runs: stopped when the
 * host loses power or hangs, started with a new boot id after a power-on.
 */
export class SimulatedMonitor {
  private readonly link: ControllerLink;
  private loop: HeartbeatLoop | undefined;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private builderBoot = -1;
  private builder: HeartbeatBuilder | undefined;
  private identity: MonitorIdentity | undefined;
  private totals = { accepted: 0, failed: 0 };

  private peerWitness: SimulatedPeerWitness | undefined;

  constructor(
    private readonly options: SimulatedMonitorOptions,
    private readonly effects: () => HostEffects,
    private readonly logger: Logger,
    private readonly connect: (peer: string) => SimulatedConnect = () => 'no-answer',
  ) {
    this.link = new ControllerLink(
      {
        host: options.host,
        secret: options.secret,
        urls: options.controllerUrls,
        requestTimeoutMs: options.requestTimeoutMs,
      },
      new PartitionableTransport(() => this.effects().heartbeatsDelivered),
      systemClock,
      logger,
    );
  }

  get isRunning(): boolean {
    return this.abort !== undefined;
  }

  /** Heartbeats accepted and failed over every run of this monitor. */
  stats(): HeartbeatStats {
    const current = this.loop?.stats;
    return {
      ...current,
      accepted: this.totals.accepted + (current?.accepted ?? 0),
      failed: this.totals.failed + (current?.failed ?? 0),
    };
  }

  /** Starts the loop after `delayMs` (so thousands of monitors do not beat in step). */
  start(boot: number, delayMs = 0): void {
    if (this.abort) return;
    if (!this.builder || this.builderBoot !== boot) {
      this.builderBoot = boot;
      // A new boot id only after a reboot; a monitor resumed after a hang keeps its identity and seq.
      this.identity = {
        host: this.options.host,
        bootId: `${this.options.host}-boot-${boot}`,
        runId: randomUUID(),
      };
      this.builder = new HeartbeatBuilder(this.identity, this.options.intervalMs, systemClock);
    }
    const abort = new AbortController();
    this.abort = abort;
    // A fresh witness per run: a rebooted or resumed host has no probe results yet.
    const peers = new SimulatedPeerWitness(
      { peers: this.options.peers, intervalMs: PEER_PROBE_INTERVAL_MS, timeoutMs: PEER_PROBE_TIMEOUT_MS },
      (peer) => this.connect(peer),
    );
    this.peerWitness = peers;
    const loop = new HeartbeatLoop(
      this.builder,
      this.link,
      { components: () => this.effects().components, peers: () => peers.snapshot() },
      this.options.intervalMs,
      systemClock,
      this.logger,
    );
    this.loop = loop;
    this.running = (async () => {
      await systemClock.sleep(delayMs, abort.signal);
      await Promise.all([loop.run(abort.signal), peers.run(abort.signal)]);
    })().catch((err: unknown) =>
      this.logger.error({ err, host: this.options.host }, 'simulated monitor crashed'),
    );
  }

  async stop(): Promise<void> {
    const abort = this.abort;
    if (!abort) return;
    this.abort = undefined;
    abort.abort();
    await this.running;
    if (this.loop) {
      this.totals.accepted += this.loop.stats.accepted;
      this.totals.failed += this.loop.stats.failed;
      this.loop = undefined;
    }
  }

  /** Reports a libvirt lifecycle event as the real monitor's instance watch would (signed, Masakari payload). */
  async reportInstanceEvent(instanceUuid: string, virDomainEvent: string): Promise<boolean> {
    const identity = this.identity ?? {
      host: this.options.host,
      bootId: `${this.options.host}-boot-1`,
      runId: randomUUID(),
    };
    const report: InstanceEventReport = {
      v: 1,
      ...identity,
      eventId: randomUUID(),
      generatedTime: new Date().toISOString(),
      type: 'VM',
      payload: { instance_uuid: instanceUuid, vir_domain_event: virDomainEvent, event: 'LIFECYCLE' },
    };
    const outcome = await this.link.post(instanceEventsPath(this.options.host), JSON.stringify(report));
    return outcome.kind === 'accepted';
  }
}
