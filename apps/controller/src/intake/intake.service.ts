import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ControllerConfig, type Logger, registerSecret } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type HeartbeatSighting, type PeerSighting } from '../detection/model';
import { DetectionPorts } from '../detection/ports';
import { type HeartbeatResult, VigilMetrics } from '../health/vigil-metrics';
import { CONFIG, LOGGER } from '../platform/tokens';
import { AdmissionBatcher } from './admission-batcher';
import { HeartbeatLedger } from './heartbeat-ledger';
import { type HeartbeatBody, heartbeatBodySchema, instanceEventBodySchema } from './intake.schema';
import { type Admission, IntakeStore } from './intake-store';
import { SignatureVerifier, unauthorized } from './signed-request';

/** A signed request as it reached the edge. `body` is the exact text the signature covers. */
export interface SignedRequest {
  host: string | undefined;
  signature: string | undefined;
  body: string;
  parsed: unknown;
}

/** Counters a metrics exporter can read as they are. */
export interface IntakeCounters {
  heartbeatsAccepted: number;
  heartbeatsRejected: number;
  instanceEventsAccepted: number;
  /** Admission script calls to Redis (each carries every heartbeat that arrived meanwhile). */
  flushes: number;
  flushErrors: number;
}

/** Directory misses refresh the known-host cache at most this often, so unknown senders cannot hammer it. */
const DIRECTORY_REFRESH_MIN_MS = 1000;

/**
 * Heartbeat and instance-event intake: verify, parse, then admit through Redis, where one script per
 * batch checks every heartbeat's seq against the last one any replica accepted and records the sighting
 * (so every replica may take any host's heartbeats, and a replay sent to another replica is still
 * refused). Heartbeats arriving together share one round trip; the answer waits for it, so a 204 means
 * the sighting is in Redis for whichever replica leads.
 */
@Injectable()
export class IntakeService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly counters: IntakeCounters = {
    heartbeatsAccepted: 0,
    heartbeatsRejected: 0,
    instanceEventsAccepted: 0,
    flushes: 0,
    flushErrors: 0,
  };
  private readonly verifier: SignatureVerifier;
  private readonly admissions: AdmissionBatcher<Admission, boolean>;
  private lastFlushFailed = false;
  private knownHosts: Set<string> | undefined;
  private knownHostsAt = 0;

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: IntakeStore,
    private readonly ledger: HeartbeatLedger,
    private readonly ports: DetectionPorts,
    private readonly metrics: VigilMetrics,
  ) {
    registerSecret(config.intake.heartbeatMasterKey);
    this.verifier = new SignatureVerifier(config.intake);
    this.admissions = new AdmissionBatcher((batch) => this.admitBatch(batch), config.intake.batchMaxHosts);
  }

  onApplicationBootstrap(): void {
    if (!this.verifier.enabled)
      this.logger.warn(
        'intake.heartbeatMasterKey is not set: heartbeat intake is disabled and no host can be detected as failed',
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  async acceptHeartbeat(req: SignedRequest, now = Date.now()): Promise<void> {
    try {
      const host = this.verifier.verify(req.host, req.body, req.signature, now);
      const parsed = heartbeatBodySchema.safeParse(req.parsed);
      if (!parsed.success) throw badBody(parsed.error.issues[0]?.path.join('.') ?? 'body');
      const hb = parsed.data;
      if (hb.host !== host) throw badBody('host (differs from the x-vigil-host header)');
      await this.requireKnownHost(host);
      await this.store.ensureReachable();
      const sighting: HeartbeatSighting = {
        receivedAt: now,
        bootId: hb.bootId,
        runId: hb.runId,
        seq: hb.seq,
        intervalMs: hb.intervalMs,
        components: hb.components,
        ...(hb.peers ? { peers: hb.peers.map(peerSighting) } : {}),
        ...(hb.goingDown ? { goingDown: true as const } : {}),
      };
      // A replay of what this replica admitted needs no round trip; anything else Redis decides.
      if (this.ledger.isReplay(host, sighting) || !(await this.admissions.submit({ host, sighting })))
        throw new VigilError(
          ErrorCode.CONFLICT,
          `Heartbeat rejected: seq ${hb.seq} is not above the last accepted one for this monitor run.`,
        );
      this.ledger.record(host, sighting);
      this.counters.heartbeatsAccepted++;
      this.metrics.heartbeatReceived('accepted');
    } catch (err) {
      this.counters.heartbeatsRejected++;
      this.metrics.heartbeatReceived(heartbeatResultOf(err));
      throw err;
    }
  }

  async acceptInstanceEvent(pathHost: string, req: SignedRequest, now = Date.now()): Promise<void> {
    const host = this.verifier.verify(req.host, req.body, req.signature, now);
    if (host !== pathHost) throw unauthorized('x-vigil-host differs from the host in the path');
    const parsed = instanceEventBodySchema.safeParse(req.parsed);
    if (!parsed.success) throw badBody(parsed.error.issues[0]?.path.join('.') ?? 'body');
    await this.requireKnownHost(host);
    await this.store.ensureReachable();
    const sink = this.ports.instanceEvents;
    if (sink) await sink.accept(host, parsed.data);
    else
      await this.store.appendInstanceEvent(
        host,
        { ...parsed.data, receivedAt: now },
        this.config.intake.instanceEventsKept,
      );
    this.counters.instanceEventsAccepted++;
  }

  latestSightings(): ReadonlyMap<string, HeartbeatSighting> {
    return this.ledger.latestSightings();
  }

  /** Resolves once every heartbeat received so far is answered (admitted in Redis or refused). */
  async flush(): Promise<void> {
    await this.admissions.drained();
  }

  private async admitBatch(batch: Admission[]): Promise<boolean[]> {
    try {
      const admitted = await this.store.admit(batch);
      this.counters.flushes++;
      if (this.lastFlushFailed) this.logger.info('heartbeat admission in Redis works again');
      this.lastFlushFailed = false;
      return admitted;
    } catch (err) {
      this.counters.flushErrors++;
      if (!this.lastFlushFailed)
        this.logger.error({ err, hosts: batch.length }, 'heartbeat admission in Redis failed; answering 503');
      this.lastFlushFailed = true;
      throw err;
    }
  }

  /** With a host directory wired, only monitored hosts may report (401 otherwise). */
  private async requireKnownHost(host: string): Promise<void> {
    const directory = this.ports.directory;
    if (!directory) return;
    if (this.knownHosts?.has(host)) return;
    const now = Date.now();
    if (!this.knownHosts || now - this.knownHostsAt >= DIRECTORY_REFRESH_MIN_MS) {
      this.knownHostsAt = now;
      const hosts = await directory.listMonitoredHosts();
      this.knownHosts = new Set(hosts.map((h) => h.name));
    }
    if (!this.knownHosts.has(host)) throw unauthorized('unknown host');
  }
}

function badBody(where: string): VigilError {
  return new VigilError(ErrorCode.BAD_REQUEST, `Malformed heartbeat body: invalid ${where}.`);
}

/** The metric label of a rejected heartbeat, from its coded error. */
function heartbeatResultOf(err: unknown): HeartbeatResult {
  if (!(err instanceof VigilError)) return 'malformed';
  if (err.code === ErrorCode.UNAUTHORIZED)
    return /unknown host/i.test(err.message) ? 'unknown-host' : 'bad-signature';
  if (err.code === ErrorCode.CONFLICT) return /seq/.test(err.message) ? 'duplicate' : 'clock-skew';
  if (err.code === ErrorCode.UNAVAILABLE) return 'unavailable';
  return 'malformed';
}

/** What detection keeps of a peer result: its answer and when it was probed (as an age). */
function peerSighting(p: NonNullable<HeartbeatBody['peers']>[number]): PeerSighting {
  return {
    host: p.host,
    reachable: p.reachable,
    ...(p.refused ? { refused: true } : {}),
    ...(p.ageMs !== undefined ? { ageMs: p.ageMs } : {}),
  };
}
