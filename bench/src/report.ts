import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** One benchmark's result file: what ran, where, on which commit, with which parameters, and the figures. */
export interface BenchResult {
  name: string;
  parameters: Record<string, unknown>;
  figures: Record<string, unknown>;
  /** One line for the terminal and the README. */
  summary: string;
}

/** Command-line switches every benchmark receives. */
export interface BenchOptions {
  /** `--cpu-prof`: profile the controller (V8 .cpuprofile in the kept work dir) to find a bottleneck. */
  cpuProfile: boolean;
  /** `--name value` pairs after the benchmark names (e.g. `chaos --rounds 1000 --minutes 90`). */
  args: Record<string, string>;
}

export function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
}

export function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function writeResult(result: BenchResult, dir = join(process.cwd(), 'bench/results')): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  const body = { ...result, machine: machine(), commit: commit(), finishedAt: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  process.stdout.write(`${result.name}: ${result.summary}\n`);
  return file;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
