import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import {
  HEARTBEAT_PATH,
  HOST_HEADER,
  type Heartbeat,
  SIGNATURE_HEADER,
  deriveHostSecret,
  signBody,
} from '@vigil/contracts';
import {
  type LoadWindow,
  type LoadWorkerInit,
  type ParentToWorker,
  type WorkerToParent,
} from './load-protocol';

/** Sends are released in small batches this often, so 1 Hz per host is spread over the second. */
const TICK_MS = 5;
const REQUEST_TIMEOUT_MS = 10_000;

interface SimHost {
  name: string;
  secret: string;
  runId: string;
  bootId: string;
  seq: number;
  silenced: boolean;
  /** A heartbeat of this host is still unanswered: like the real monitor, it does not send the next one. */
  busy: boolean;
  lastAcceptedSentAtMs?: number;
}

/**
 * A heartbeat load generator in its own process (so it never shares the controller's or the
 * benchmark's event loop): open loop over the fleet, `active` hosts at `hz` each, round robin, signed
 * like a host monitor. Per host it behaves like the monitor: the next heartbeat waits until the
 * previous one is answered (a late one is skipped and counted), so one host's heartbeats never overtake
 * each other on their way to different replicas.
 */
class LoadWorker {
  private readonly hosts: SimHost[];
  private agents: Agent[];
  private readonly retired: Agent[] = [];
  private urls: URL[];
  private active = 0;
  private hz = 1;
  private cursor = 0;
  private budget = 0;
  private lastTickMs = performance.now();
  private inFlight = 0;
  private window: LoadWindow = emptyWindow();
  private readonly startMono = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly init: LoadWorkerInit) {
    this.urls = init.baseUrls.map((u) => new URL(HEARTBEAT_PATH, u));
    this.agents = init.baseUrls.map(() => new Agent({ keepAlive: true, maxSockets: init.maxSockets }));
    this.hosts = init.hosts.map((name) => ({
      name,
      secret: deriveHostSecret(init.masterKey, name),
      runId: randomUUID(),
      bootId: randomUUID(),
      seq: 0,
      silenced: false,
      busy: false,
    }));
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const agent of [...this.agents, ...this.retired]) agent.destroy();
  }

  handle(message: ParentToWorker): WorkerToParent | undefined {
    switch (message.type) {
      case 'init':
        return undefined;
      case 'active':
        this.active = Math.min(message.count, this.hosts.length);
        this.hz = message.hz;
        return undefined;
      case 'targets':
        // Requests still in flight on the old agents finish there (destroying them would fail those
        // requests and resend heartbeats the controller already admitted); they are closed on stop.
        this.retired.push(...this.agents);
        this.urls = message.baseUrls.map((u) => new URL(HEARTBEAT_PATH, u));
        this.agents = message.baseUrls.map(
          () => new Agent({ keepAlive: true, maxSockets: this.init.maxSockets }),
        );
        return undefined;
      case 'silence': {
        const host = this.hosts.find((h) => h.name === message.host);
        if (host) host.silenced = true;
        return undefined;
      }
      case 'report': {
        const window = { ...this.window, inFlight: this.inFlight };
        this.window = emptyWindow();
        return { type: 'report', ...window };
      }
      case 'lastAccepted': {
        const host = this.hosts.find((h) => h.name === message.host);
        return { type: 'lastAccepted', host: message.host, sentAtMs: host?.lastAcceptedSentAtMs };
      }
      case 'stop':
        this.stop();
        return undefined;
    }
  }

  private tick(): void {
    const now = performance.now();
    this.budget += ((now - this.lastTickMs) * this.active * this.hz) / 1000;
    this.lastTickMs = now;
    while (this.budget >= 1 && this.active > 0) {
      this.budget -= 1;
      const host = this.hosts[this.cursor % this.active];
      this.cursor = (this.cursor + 1) % this.active;
      if (!host || host.silenced) continue;
      if (host.busy || this.inFlight >= this.init.maxInFlight) {
        this.window.skipped += 1;
        continue;
      }
      this.send(host);
    }
  }

  private send(host: SimHost): void {
    const seq = host.seq++;
    this.window.sent += 1;
    this.inFlight += 1;
    host.busy = true;
    this.post(host, seq, seq % this.urls.length, true);
  }

  /**
   * One signed POST of heartbeat `seq` to replica `target`. A replica that does not answer (refused or
   * reset connection: it died) gets the same heartbeat re-signed and sent to the next replica once, as a
   * monitor with several controller URLs fails over; the latency then covers both attempts.
   */
  private post(host: SimHost, seq: number, target: number, mayFailOver: boolean, startedAt?: number): void {
    const heartbeat: Heartbeat = {
      v: 1,
      host: host.name,
      bootId: host.bootId,
      seq,
      runId: host.runId,
      monoMs: Math.round(performance.now() - this.startMono),
      intervalMs: 1000,
      components: {
        'nova-compute': { state: 'ok' },
        libvirtd: { state: 'ok' },
        ovs: { state: 'ok' },
        'neutron-ovs-agent': { state: 'ok' },
      },
    };
    const body = JSON.stringify(heartbeat);
    const sentAtMs = Date.now();
    const started = startedAt ?? performance.now();
    let finished = false;
    // A request ends once: a late socket error after the answer must not free the host a second time.
    const finish = (status: number | 'network'): void => {
      if (finished) return;
      finished = true;
      if (status === 'network' && mayFailOver && this.urls.length > 1) {
        this.window.failedOver += 1;
        this.post(host, seq, (target + 1) % this.urls.length, false, started);
        return;
      }
      this.inFlight -= 1;
      host.busy = false;
      this.window.latenciesMs.push(performance.now() - started);
      if (status === 204) {
        this.window.accepted += 1;
        host.lastAcceptedSentAtMs = Math.max(host.lastAcceptedSentAtMs ?? 0, sentAtMs);
      } else {
        const key = String(status);
        this.window.errors[key] = (this.window.errors[key] ?? 0) + 1;
      }
    };
    const url = this.urls[target] ?? this.urls[0];
    if (!url) return;
    const req = request(
      url,
      {
        method: 'POST',
        agent: this.agents[target],
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [HOST_HEADER]: host.name,
          [SIGNATURE_HEADER]: signBody(host.secret, body, sentAtMs),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => finish(res.statusCode ?? 0));
        res.once('error', () => finish('network'));
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => finish('network'));
    req.end(body);
  }
}

function emptyWindow(): LoadWindow {
  return { sent: 0, accepted: 0, errors: {}, failedOver: 0, skipped: 0, latenciesMs: [], inFlight: 0 };
}

/** Entry of a load-generator child process (forked with `LOAD_WORKER_ARG`). */
export function runLoadWorker(): void {
  let worker: LoadWorker | undefined;
  const reply = (message: WorkerToParent): void => {
    process.send?.(message);
  };
  process.on('message', (raw: ParentToWorker) => {
    if (raw.type === 'init') {
      worker = new LoadWorker(raw);
      worker.start();
      reply({ type: 'ready' });
      return;
    }
    const answer = worker?.handle(raw);
    if (answer) reply(answer);
    if (raw.type === 'stop') process.disconnect();
  });
}
