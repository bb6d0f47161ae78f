import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Output kept per stream; probes only need the first lines, and a runaway command must not eat memory. */
const MAX_OUTPUT_BYTES = 64 * 1024;
/** How long a stopped stream command gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 2000;

export type CommandResult =
  | { kind: 'exited'; exitCode: number; stdout: string; stderr: string }
  | { kind: 'killed'; signal: string; stdout: string; stderr: string }
  | { kind: 'timeout'; stdout: string; stderr: string }
  /** The command could not start at all (not installed, not executable). */
  | { kind: 'spawn-error'; message: string };

export interface LineStream {
  /** Resolves when the command ended, with how it ended. */
  readonly ended: Promise<CommandResult>;
  stop(): void;
}

/**
 * The monitor's only door to child_process. Commands run without a shell and with an environment
 * stripped of the monitor's own variables, so a secret given as VIGIL_MONITOR_SECRET never reaches
 * a child (argv never holds one either: argv comes from the config's command lists).
 */
export class CommandRunner {
  private readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv, ownEnvPrefix = 'VIGIL_MONITOR_') {
    this.env = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith(ownEnvPrefix)));
  }

  run(argv: readonly string[], timeoutMs: number): Promise<CommandResult> {
    return new Promise((resolve) => {
      const [file, ...args] = argv;
      if (!file) return resolve({ kind: 'spawn-error', message: 'empty command' });
      let child: ChildProcess;
      try {
        child = spawn(file, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        return resolve({ kind: 'spawn-error', message: (err as Error).message });
      }
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout?.on('data', (d: Buffer) => {
        if (stdout.length < MAX_OUTPUT_BYTES) stdout += d.toString('utf8');
      });
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < MAX_OUTPUT_BYTES) stderr += d.toString('utf8');
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve({ kind: 'spawn-error', message: err.message });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) resolve({ kind: 'timeout', stdout, stderr });
        else if (code !== null) resolve({ kind: 'exited', exitCode: code, stdout, stderr });
        else resolve({ kind: 'killed', signal: signal ?? 'unknown', stdout, stderr });
      });
    });
  }

  /** Runs a long-lived command and hands each stdout line to `onLine` until it ends or `stop()` is called. */
  streamLines(argv: readonly string[], onLine: (line: string) => void): LineStream {
    const [file, ...args] = argv;
    if (!file)
      return { ended: Promise.resolve({ kind: 'spawn-error', message: 'empty command' }), stop: () => {} };
    const child = spawn(file, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT_BYTES) stderr += d.toString('utf8');
    });
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', onLine);
    const ended = new Promise<CommandResult>((resolve) => {
      child.once('error', (err) => resolve({ kind: 'spawn-error', message: err.message }));
      child.once('close', (code, signal) => {
        if (code !== null) resolve({ kind: 'exited', exitCode: code, stdout: '', stderr });
        else resolve({ kind: 'killed', signal: signal ?? 'unknown', stdout: '', stderr });
      });
    });
    return {
      ended,
      stop: () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        // A stream that ignores SIGTERM must not hold the monitor's shutdown forever.
        const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        force.unref();
        child.once('close', () => clearTimeout(force));
      },
    };
  }
}

/** A short, single-line excerpt of command output for a status reason. */
export function excerpt(text: string, max = 200): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  return last.length > max ? `${last.slice(0, max - 1)}…` : last;
}
