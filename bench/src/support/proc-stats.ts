import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ); 100 on every Linux this runs on. */
const USER_HZ = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after the closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / USER_HZ;
}

/** Resident set size now and its peak (VmRSS, VmHWM), in MiB. */
export function memoryMiB(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: round(kib('VmRSS') / 1024, 1), peakRssMiB: round(kib('VmHWM') / 1024, 1) };
}

/** Cores a process used between two `cpuSeconds` readings. */
export class CpuMeter {
  private startCpu: number;
  private startMs: number;

  constructor(private readonly pid: number) {
    this.startCpu = cpuSeconds(pid);
    this.startMs = performance.now();
  }

  reset(): void {
    this.startCpu = cpuSeconds(this.pid);
    this.startMs = performance.now();
  }

  coresUsed(): number {
    const elapsedS = (performance.now() - this.startMs) / 1000;
    return elapsedS > 0 ? round((cpuSeconds(this.pid) - this.startCpu) / elapsedS, 2) : 0;
  }
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** CPU seconds (user + system) of a process's children it has waited for (probe commands), from /proc/<pid>/stat. */
export function childCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / USER_HZ;
}
