import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveHostSecret } from '@vigil/contracts';
import { ensureBuilt, ROOT } from './support/ensure-built';

const MONITOR_MAIN = join(ROOT, 'dist/apps/host-monitor/main.js');
const PROBE_INTERVAL_MS = 400;

/** The monitor runs from its built bundle, as on a compute node; rebuilt when a source is newer. */
export function ensureMonitorBuilt(): void {
  ensureBuilt('host-monitor');
}

/** Signals a child's whole process group (children are started detached, so each leads its own group). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * One simulated compute node: a real `vigil-host-monitor` process whose probes watch a dummy
 * nova-compute process and a unix socket standing for libvirt's, both owned by the test.
 */
export class ComputeNode {
  /**
   * Process name of this node's dummy nova-compute. Unique per node, since the probe scans all of /proc,
   * and unique within its first 15 characters, since the probe also matches the truncated comm.
   */
  readonly novaProcessName: string;
  monitorOutput = '';
  private readonly dir: string;
  private nova: ChildProcess | undefined;
  private monitor: ChildProcess | undefined;
  private libvirt: Server | undefined;

  constructor(
    readonly host: string,
    private readonly masterKey: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `vigil-node-${host}-`));
    this.novaProcessName = `${host}-nova-compute`;
  }

  async start(controllerUrls: readonly string[], intervalMs: number): Promise<void> {
    // A copy of sleep, so argv[0]'s basename names the process as the probe expects.
    const binary = join(this.dir, this.novaProcessName);
    copyFileSync('/bin/sleep', binary);
    chmodSync(binary, 0o755);
    this.nova = spawn(binary, ['100000'], { stdio: 'ignore', detached: true });

    const socketPath = join(this.dir, 'libvirt-sock');
    this.libvirt = createServer((s) => s.end());
    const server = this.libvirt;
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));

    const secretFile = join(this.dir, 'secret');
    writeFileSync(secretFile, `${deriveHostSecret(this.masterKey, this.host)}\n`);
    chmodSync(secretFile, 0o600);
    writeFileSync(join(this.dir, 'boot_id'), `boot-${this.host}\n`);
    const configFile = join(this.dir, 'monitor.yaml');
    writeFileSync(
      configFile,
      [
        `host: ${this.host}`,
        `secretFile: ${secretFile}`,
        `bootIdFile: ${join(this.dir, 'boot_id')}`,
        'controllerUrls:',
        ...controllerUrls.map((u) => `  - ${u}`),
        `intervalMs: ${intervalMs}`,
        // Each probe round scans all of /proc; ten monitors doing that every 200 ms load a 2-core box.
        `probeIntervalMs: ${Math.max(intervalMs, PROBE_INTERVAL_MS)}`,
        'requestTimeoutMs: 500',
        'probes:',
        '  nova-compute:',
        '    checks:',
        `      - { kind: process, name: ${this.novaProcessName}, timeoutMs: 3000 }`,
        '  libvirtd:',
        '    checks:',
        `      - { kind: socket, path: ${socketPath}, timeoutMs: 500 }`,
        'instanceWatch: { enabled: false }',
        'peerListen: { enabled: false }',
        '',
      ].join('\n'),
    );
    this.monitor = spawn(process.execPath, [MONITOR_MAIN], {
      env: { PATH: process.env.PATH, VIGIL_MONITOR_CONFIG: configFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (d: Buffer): void => {
      this.monitorOutput = (this.monitorOutput + d.toString('utf8')).slice(-4000);
    };
    this.monitor.stdout?.on('data', keep);
    this.monitor.stderr?.on('data', keep);
  }

  /** nova-compute crashes: its process is gone, the host and its monitor stay up. */
  async killNovaCompute(): Promise<void> {
    if (!this.nova) return;
    signalGroup(this.nova, 'SIGKILL');
    await exited(this.nova);
  }

  /** The monitor freezes (SIGSTOP): no more heartbeats, nothing else changes on the node. */
  freezeMonitor(): void {
    if (this.monitor) signalGroup(this.monitor, 'SIGSTOP');
  }

  async stop(): Promise<void> {
    for (const child of [this.monitor, this.nova]) {
      if (!child) continue;
      signalGroup(child, 'SIGKILL');
      await exited(child);
    }
    const server = this.libvirt;
    if (server) await new Promise((resolve) => server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
