import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Probe, type ProbeOutcome, withTimeout } from './probe';

/** Linux truncates /proc/<pid>/comm to 15 characters. */
const COMM_MAX = 15;

/** True when a process looks like `name`: by comm, argv[0], or argv[1] (python/perl entry-point scripts). */
export function processMatches(name: string, comm: string, argv: readonly string[]): boolean {
  if (comm === name.slice(0, COMM_MAX)) return true;
  return argv.slice(0, 2).some((arg) => arg !== '' && basename(arg) === name);
}

/** Finds a live (non-zombie) process by name with a /proc scan; no `pgrep` dependency. */
export class ProcessProbe implements Probe {
  readonly label: string;

  constructor(
    private readonly name: string,
    private readonly timeoutMs: number,
    private readonly procRoot = '/proc',
  ) {
    this.label = `process:${name}`;
  }

  check(): Promise<ProbeOutcome> {
    return withTimeout(this.scan(), this.timeoutMs, {
      state: 'unknown',
      reason: `${this.label}: /proc scan did not finish within ${this.timeoutMs} ms`,
    });
  }

  private async scan(): Promise<ProbeOutcome> {
    let entries: string[];
    try {
      entries = await readdir(this.procRoot);
    } catch (err) {
      return {
        state: 'unknown',
        reason: `${this.label}: cannot read ${this.procRoot}: ${(err as Error).message}`,
      };
    }
    const pids: number[] = [];
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      const info = await this.read(entry);
      if (info && !info.zombie && processMatches(this.name, info.comm, info.argv)) pids.push(Number(entry));
    }
    if (pids.length === 0) return { state: 'failed', reason: `no running process named ${this.name}` };
    return { state: 'ok' };
  }

  /** undefined when the process vanished mid-scan (normal) or is not readable. */
  private async read(pid: string): Promise<{ comm: string; argv: string[]; zombie: boolean } | undefined> {
    try {
      const dir = join(this.procRoot, pid);
      const [comm, cmdline, stat] = await Promise.all([
        readFile(join(dir, 'comm'), 'utf8'),
        readFile(join(dir, 'cmdline'), 'utf8'),
        readFile(join(dir, 'stat'), 'utf8'),
      ]);
      // stat: "pid (comm) S ..."; comm may hold spaces and parens, so take the state after the last ')'.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return { comm: comm.trim(), argv: cmdline.split('\0'), zombie: state === 'Z' || state === 'X' };
    } catch {
      return undefined;
    }
  }
}
