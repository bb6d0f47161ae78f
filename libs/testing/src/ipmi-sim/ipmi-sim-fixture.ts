import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../wait-for';
import { BMC_EMU, chassisScript, lanConf } from './ipmi-sim-files';

export interface IpmiSimOptions {
  /** Default `admin`. */
  user?: string;
  /** Default a random string. */
  password?: string;
  /** Initial power state. Default `on`. */
  power?: 'on' | 'off';
}

/** One OpenIPMI `ipmi_sim` BMC on a free loopback UDP port, in its own temp dir. */
export interface IpmiSimFixture {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  /** The simulated host's power, read from the simulator's power file. */
  powerState(): Promise<'on' | 'off'>;
  setPower(state: 'on' | 'off'): Promise<void>;
  /** While enabled, the chassis program exits 1: every power request gets an IPMI "Unspecified error". */
  fail(enabled: boolean): void;
  /** Each chassis program invocation, e.g. `get power`, `set power 0`. */
  chassisCalls(): string[];
  /** Number of `set power 0` the BMC carried out. */
  powerOffRequests(): number;
  /** Forgets recorded chassis calls, between tests. */
  resetCalls(): void;
  /** Kills the simulator (the port then has no BMC behind it). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  /** Stops and deletes the directory. */
  dispose(): Promise<void>;
}

const IPMITOOL = '/usr/bin/ipmitool';
const READY_TIMEOUT_MS = 10_000;

/** A free UDP port: bind port 0 on loopback, read the port, release it (small race, fine for tests). */
export async function findFreeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export async function startIpmiSim(options: IpmiSimOptions = {}): Promise<IpmiSimFixture> {
  const user = options.user ?? 'admin';
  const password = options.password ?? `pw${Math.random().toString(36).slice(2, 12)}`;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ipmisim-'));
  const port = await findFreeUdpPort();
  mkdirSync(join(dir, 'state'));
  writeFileSync(join(dir, 'lan.conf'), lanConf({ dir, port, user, password }), { mode: 0o600 });
  writeFileSync(join(dir, 'bmc.emu'), BMC_EMU);
  writeFileSync(join(dir, 'chassis.sh'), chassisScript(dir));
  chmodSync(join(dir, 'chassis.sh'), 0o755);
  writeFileSync(join(dir, 'power'), options.power === 'off' ? '0\n' : '1\n');
  writeFileSync(join(dir, 'calls'), '');

  let child: ChildProcess | undefined;
  const readCalls = (): string[] =>
    readFileSync(join(dir, 'calls'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };

  const start = async (): Promise<void> => {
    if (child) return;
    const sim = spawn(
      'ipmi_sim',
      ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', join(dir, 'state'), '-n'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = sim;
    let stderr = '';
    sim.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    await waitFor(
      async () => {
        if (sim.exitCode !== null) throw new Error(`ipmi_sim exited ${sim.exitCode}: ${stderr}`);
        return (await ipmitoolStatus(port, user, password)) ? true : undefined;
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, what: `ipmi_sim answering on udp/${port}` },
    );
    // Readiness probes are not calls the tests made.
    writeFileSync(join(dir, 'calls'), '');
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dir,
    async powerState() {
      const raw = readFileSync(join(dir, 'power'), 'utf8').trim();
      return Promise.resolve(raw === '1' ? 'on' : 'off');
    },
    async setPower(state) {
      writeFileSync(join(dir, 'power'), state === 'on' ? '1\n' : '0\n');
      return Promise.resolve();
    },
    fail(enabled) {
      const file = join(dir, 'fail');
      if (enabled) writeFileSync(file, '');
      else if (existsSync(file)) rmSync(file);
    },
    chassisCalls: readCalls,
    powerOffRequests: () => readCalls().filter((c) => c === 'set power 0').length,
    resetCalls: () => writeFileSync(join(dir, 'calls'), ''),
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when `chassis power status` answers; the password goes by env, as in the driver. */
async function ipmitoolStatus(port: number, user: string, password: string): Promise<boolean> {
  const args = ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(port), '-U', user, '-E', '-C', '3'];
  args.push('-L', 'ADMINISTRATOR', '-N', '1', '-R', '1', 'chassis', 'power', 'status');
  return new Promise((resolve) => {
    execFile(IPMITOOL, args, { env: { IPMI_PASSWORD: password }, timeout: 5000 }, (err, stdout) => {
      resolve(!err && /Chassis Power is/.test(stdout));
    });
  });
}
