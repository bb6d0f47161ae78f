import { readFileSync } from 'node:fs';

export interface RecordedSpawn {
  pid: number;
  /** argv as the driver reported it. */
  argv: readonly string[];
  /** argv as the kernel shows it to `ps` (/proc/<pid>/cmdline), read when the observer fired. */
  procCmdline: string | undefined;
  /** Variable names of the child's environment, read from /proc/<pid>/environ. */
  envNames: string[] | undefined;
}

/**
 * A fencing `spawnObserver` that also reads what `ps` would show for the child. Node's spawn returns
 * after exec succeeded, so /proc already holds the new program's argv.
 */
export class SpawnRecorder {
  readonly spawns: RecordedSpawn[] = [];

  readonly observer = (info: { pid: number; argv: readonly string[] }): void => {
    this.spawns.push({
      pid: info.pid,
      argv: info.argv,
      procCmdline: readProc(info.pid, 'cmdline')?.split('\0').join(' '),
      envNames: readProc(info.pid, 'environ')
        ?.split('\0')
        .filter(Boolean)
        .map((kv) => kv.split('=')[0] ?? ''),
    });
  };

  /** Everything a process listing could have shown of the children. */
  visibleText(): string {
    return this.spawns.map((s) => `${s.argv.join(' ')}\n${s.procCmdline ?? ''}`).join('\n');
  }
}

function readProc(pid: number, file: 'cmdline' | 'environ'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // already exited
  }
}
