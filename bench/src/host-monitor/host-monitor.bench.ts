import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { deriveHostSecret } from '@vigil/contracts';
import { type BenchOptions, type BenchResult } from '../report';
import { BenchApi } from '../support/api-client';
import { ControllerStack } from '../support/controller-stack';
import { childCpuSeconds, cpuSeconds, memoryMiB, round } from '../support/proc-stats';

const WARMUP_MS = 10_000;
const RUN_MS = 60_000;
const HOST = 'bench-monitor-01';

/**
 * The host monitor's footprint on a compute node: the built monitor (`dist/apps/host-monitor/main.js`)
 * at its defaults (1 Hz, default probes, instance watch on) heartbeating to a real controller, CPU
 * (its own and its probe commands') and memory over a minute.
 */
export async function hostMonitor(_options: BenchOptions): Promise<BenchResult> {
  const masterKey = randomBytes(32).toString('hex');
  const stack = new ControllerStack({ config: { intake: { heartbeatMasterKey: masterKey } } });
  await stack.start();
  let child: ChildProcess | undefined;
  try {
    const api = new BenchApi(stack.url);
    await api.addHost(await api.createSegment('bench-monitor'), HOST);
    const secretFile = join(stack.workDir, 'host-secret');
    writeFileSync(secretFile, `${deriveHostSecret(masterKey, HOST)}\n`);
    chmodSync(secretFile, 0o600);
    const configFile = join(stack.workDir, 'monitor.yaml');
    writeFileSync(
      configFile,
      toYaml({
        host: HOST,
        secretFile,
        controllerUrls: [stack.url],
        peerListen: { host: '127.0.0.1', port: 0 },
      }),
    );
    const log = openSync(join(stack.workDir, 'monitor.log'), 'a');
    child = spawn(process.execPath, [resolve('dist/apps/host-monitor/main.js')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VIGIL_MONITOR_CONFIG: configFile },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const pid = child.pid ?? 0;
    await sleep(WARMUP_MS);
    const cpu0 = cpuSeconds(pid);
    const children0 = childCpuSeconds(pid);
    const started = performance.now();
    await sleep(RUN_MS);
    const elapsedS = (performance.now() - started) / 1000;
    const ownCores = (cpuSeconds(pid) - cpu0) / elapsedS;
    const probeCores = (childCpuSeconds(pid) - children0) / elapsedS;
    const memory = memoryMiB(pid);
    const state = await api.hostState(HOST);
    const probeBinaries = Object.fromEntries(
      ['systemctl', 'virsh', 'ovs-vsctl'].map((b) => [
        b,
        ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, b))),
      ]),
    );
    return {
      name: 'host-monitor',
      parameters: {
        intervalMs: 1000,
        probes: 'defaults (nova-compute: systemd|process, libvirtd: virsh version, ovs: ovs-vsctl show)',
        instanceWatch: 'default (on)',
        runMs: RUN_MS,
        warmupMs: WARMUP_MS,
        probeBinariesPresent: probeBinaries,
        note: 'probe commands that are not installed here fail at spawn; on a real node they run, costing more child CPU',
      },
      figures: {
        monitorCpuSecondsPerHour: round(ownCores * 3600, 1),
        probeCommandsCpuSecondsPerHour: round(probeCores * 3600, 1),
        monitorCores: round(ownCores, 4),
        memory,
        hostStateAtEnd: state?.state ?? null,
        loadAverage: loadavg().map((l) => round(l, 2)),
      },
      summary:
        `host monitor at 1 Hz, default probes: ${round(ownCores * 3600, 1)} CPU s/hour own + ` +
        `${round(probeCores * 3600, 1)} CPU s/hour probe commands, RSS ${memory.rssMiB} MiB (peak ${memory.peakRssMiB} MiB)`,
    };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child?.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await stack.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
