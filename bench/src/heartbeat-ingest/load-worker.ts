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
  lastAcceptedSentAtMs?: number;
}

/**
 * A heartbeat load generator in its own process (so it never shares the controller's or the
 * benchmark's event loop): open loop, `active` hosts at 1 Hz each, round robin, signed like a host monitor.
 */
class LoadWorker {
  private readonly hosts: SimHost[];
  private readonly agent: Agent;
  private readonly url: URL;
  private active = 0;
  private cursor = 0;
  private budget = 0;
  private lastTickMs = performance.now();
  private inFlight = 0;
  private window: LoadWindow = emptyWindow();
  private readonly startMono = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly init: LoadWorkerInit) {
    this.url = new URL(HEARTBEAT_PATH, init.baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: init.maxSockets });
    this.hosts = init.hosts.map((name) => ({
      name,
      secret: deriveHostSecret(init.masterKey, name),
      runId: randomUUID(),
      bootId: randomUUID(),
      seq: 0,
      silenced: false,
    }));
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.agent.destroy();
  }

  handle(message: ParentToWorker): WorkerToParent | undefined {
    switch (message.type) {
      case 'init':
        return undefined;
      case 'active':
        this.active = Math.min(message.count, this.hosts.length);
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
    this.budget += ((now - this.lastTickMs) * this.active) / 1000;
    this.lastTickMs = now;
    while (this.budget >= 1 && this.active > 0) {
      this.budget -= 1;
      const host = this.hosts[this.cursor % this.active];
      this.cursor = (this.cursor + 1) % this.active;
      if (!host || host.silenced) continue;
      if (this.inFlight >= this.init.maxInFlight) {
        this.window.skipped += 1;
        continue;
      }
      this.send(host);
    }
  }

  private send(host: SimHost): void {
    const heartbeat: Heartbeat = {
      v: 1,
      host: host.name,
      bootId: host.bootId,
      seq: host.seq++,
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
    const started = performance.now();
    this.inFlight += 1;
    this.window.sent += 1;
    const finish = (status: number | 'network'): void => {
      this.inFlight -= 1;
      this.window.latenciesMs.push(performance.now() - started);
      if (status === 204) {
        this.window.accepted += 1;
        host.lastAcceptedSentAtMs = Math.max(host.lastAcceptedSentAtMs ?? 0, sentAtMs);
      } else {
        const key = String(status);
        this.window.errors[key] = (this.window.errors[key] ?? 0) + 1;
      }
    };
    const req = request(
      this.url,
      {
        method: 'POST',
        agent: this.agent,
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
  return { sent: 0, accepted: 0, errors: {}, skipped: 0, latenciesMs: [], inFlight: 0 };
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
