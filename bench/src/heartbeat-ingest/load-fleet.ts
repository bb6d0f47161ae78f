import { type ChildProcess, fork } from 'node:child_process';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { LOAD_WORKER_ARG, type LoadWindow, type ParentToWorker, type WorkerToParent } from './load-protocol';

const REPLY_TIMEOUT_MS = 15_000;

export interface LoadFleetOptions {
  baseUrls: string[];
  masterKey: string;
  hosts: string[];
  workers: number;
  maxSocketsPerWorker: number;
  maxInFlightPerWorker: number;
}

/** Load-generator child processes (this same bundle, forked with LOAD_WORKER_ARG), hosts split evenly. */
export class LoadFleet {
  private readonly children: { child: ChildProcess; hosts: string[] }[] = [];

  constructor(private readonly options: LoadFleetOptions) {}

  get pids(): number[] {
    return this.children.map((c) => c.child.pid ?? 0);
  }

  async start(): Promise<void> {
    const script = process.argv[1];
    if (!script) throw new VigilError(ErrorCode.INTERNAL, 'cannot tell which script to fork');
    for (let w = 0; w < this.options.workers; w++) {
      const hosts = this.options.hosts.filter((_, i) => i % this.options.workers === w);
      const child = fork(script, [LOAD_WORKER_ARG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.children.push({ child, hosts });
      const ready = this.next(child, 'ready');
      child.send({
        type: 'init',
        baseUrls: this.options.baseUrls,
        masterKey: this.options.masterKey,
        hosts,
        maxSockets: this.options.maxSocketsPerWorker,
        maxInFlight: this.options.maxInFlightPerWorker,
      } satisfies ParentToWorker);
      await ready;
    }
  }

  /** The first `total` hosts (spread over the workers) heartbeat at `hz` each. */
  setActiveHosts(total: number, hz = 1): void {
    const perWorker = Math.floor(total / this.children.length);
    const extra = total % this.children.length;
    this.children.forEach(({ child }, i) =>
      child.send({ type: 'active', count: perWorker + (i < extra ? 1 : 0), hz } satisfies ParentToWorker),
    );
  }

  /** Heartbeats go round robin over these replicas from now on. */
  setTargets(baseUrls: string[]): void {
    for (const { child } of this.children) child.send({ type: 'targets', baseUrls } satisfies ParentToWorker);
  }

  silence(host: string): void {
    this.owner(host).send({ type: 'silence', host } satisfies ParentToWorker);
  }

  async lastAcceptedSentAt(host: string): Promise<number | undefined> {
    const child = this.owner(host);
    const reply = this.next(child, 'lastAccepted');
    child.send({ type: 'lastAccepted', host } satisfies ParentToWorker);
    const answer = await reply;
    return answer.type === 'lastAccepted' ? answer.sentAtMs : undefined;
  }

  /** Figures of every worker since the previous call, merged. */
  async collect(): Promise<LoadWindow> {
    const windows = await Promise.all(
      this.children.map(async ({ child }) => {
        const reply = this.next(child, 'report');
        child.send({ type: 'report' } satisfies ParentToWorker);
        return reply;
      }),
    );
    const merged: LoadWindow = {
      sent: 0,
      accepted: 0,
      errors: {},
      failedOver: 0,
      skipped: 0,
      latenciesMs: [],
      inFlight: 0,
    };
    for (const w of windows) {
      if (w.type !== 'report') continue;
      merged.sent += w.sent;
      merged.accepted += w.accepted;
      merged.skipped += w.skipped;
      merged.failedOver += w.failedOver;
      merged.inFlight += w.inFlight;
      for (const [k, v] of Object.entries(w.errors)) merged.errors[k] = (merged.errors[k] ?? 0) + v;
      for (const l of w.latenciesMs) merged.latenciesMs.push(l);
    }
    return merged;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async ({ child }) => {
        if (child.exitCode !== null || !child.connected) return;
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        child.send({ type: 'stop' } satisfies ParentToWorker);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private owner(host: string): ChildProcess {
    const owner = this.children.find((c) => c.hosts.includes(host));
    if (!owner) throw new VigilError(ErrorCode.NOT_FOUND, `no load worker sends for ${host}`);
    return owner.child;
  }

  private next(child: ChildProcess, type: WorkerToParent['type']): Promise<WorkerToParent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new VigilError(ErrorCode.TIMEOUT, `load worker ${child.pid} did not answer '${type}'`));
      }, REPLY_TIMEOUT_MS);
      const onMessage = (message: WorkerToParent): void => {
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
    });
  }
}
