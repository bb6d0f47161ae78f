import { spawn } from 'node:child_process';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type SpawnObserver } from './fencing-driver';

/**
 * The only place fencing starts processes. Children get a fixed, minimal environment (never the
 * controller's): that keeps `PCMK_service` out — fence agents read it as "disable all timeouts" —
 * and stops secrets in our own env from leaking. Each child leads its own process group so a timeout
 * kills the agent together with the ipmitool it started.
 */
const CHILD_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** Output kept per stream, in bytes; agents are chatty in verbose mode but never this much. */
const MAX_OUTPUT_BYTES = 256 * 1024;

export interface RunProcessOptions {
  /** Absolute path of the executable. */
  command: string;
  args: readonly string[];
  /** Written to stdin, then stdin is closed. */
  stdin?: string;
  /** Extra variables on top of PATH/LANG (e.g. IPMI_PASSWORD). */
  env?: Readonly<Record<string, string>>;
  timeoutMs: number;
  signal?: AbortSignal;
  observer?: SpawnObserver;
}

export interface RunProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** Killed by our outer timeout or the caller's abort signal. */
  killed: boolean;
}

export async function runProcess(options: RunProcessOptions): Promise<RunProcessResult> {
  const startedAt = Date.now();
  const child = spawn(options.command, [...options.args], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: CHILD_PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...options.env },
  });
  if (child.pid !== undefined)
    options.observer?.({ pid: child.pid, argv: [options.command, ...options.args] });

  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length < MAX_OUTPUT_BYTES) stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_OUTPUT_BYTES) stderr += chunk.toString('utf8');
  });
  // An agent that exits before reading stdin closes the pipe; that is its exit status's business.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin ?? '');

  let killed = false;
  const killGroup = (): void => {
    killed = true;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const timer = setTimeout(killGroup, Math.max(1, options.timeoutMs));
  options.signal?.addEventListener('abort', killGroup, { once: true });

  try {
    return await new Promise<RunProcessResult>((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          new VigilError(
            ErrorCode.CONFIG_INVALID,
            `cannot run ${options.command}: ${err.code ?? err.message}`,
            {
              command: options.command,
            },
          ),
        );
      });
      child.once('close', (exitCode, signal) => {
        resolve({ exitCode, signal, stdout, stderr, elapsedMs: Date.now() - startedAt, killed });
      });
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', killGroup);
  }
}

/** Replaces every occurrence of `secret` so child output can be logged or put in an error message. */
export function scrub(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}
