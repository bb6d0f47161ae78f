import { type PartitionScope, strongerScope } from './host-condition';

/** One injected network partition: a set of hosts cut off from `scope`, until healed or `healsAtMs`. */
export interface Partition {
  /** `p-<n>`, in the order they were opened. */
  id: string;
  hosts: readonly string[];
  scope: PartitionScope;
  startedAtMs: number;
  /** When it heals by itself (epoch ms); null: only when healed through the API. */
  healsAtMs: number | null;
  /** Free text from the caller (a test's name for it). */
  label: string;
}

export interface OpenPartition {
  hosts: readonly string[];
  scope: PartitionScope;
  durationMs?: number;
  label?: string;
}

/**
 * The partitions active now. A host in several takes the strongest scope; healing one leaves the
 * others in force. Pure bookkeeping: the sim applies the scopes it returns and owns the timers.
 */
export class PartitionBook {
  private readonly active = new Map<string, Partition>();
  private opened = 0;

  open(input: OpenPartition, nowMs: number): Partition {
    this.opened += 1;
    const partition: Partition = {
      id: `p-${this.opened}`,
      hosts: [...new Set(input.hosts)],
      scope: input.scope,
      startedAtMs: nowMs,
      healsAtMs: input.durationMs === undefined ? null : nowMs + input.durationMs,
      label: input.label ?? '',
    };
    this.active.set(partition.id, partition);
    return partition;
  }

  /** Removes one partition; undefined when it is not active (already healed or never opened). */
  close(id: string): Partition | undefined {
    const partition = this.active.get(id);
    this.active.delete(id);
    return partition;
  }

  /** Takes a host out of every partition (a host heal or repair); partitions left empty close. Returns the closed ids. */
  removeHost(host: string): string[] {
    const closed: string[] = [];
    for (const [id, p] of this.active) {
      if (!p.hosts.includes(host)) continue;
      const hosts = p.hosts.filter((h) => h !== host);
      if (hosts.length === 0) {
        this.active.delete(id);
        closed.push(id);
      } else this.active.set(id, { ...p, hosts });
    }
    return closed;
  }

  /** The strongest scope of the partitions holding this host; null when none does. */
  scopeOf(host: string): PartitionScope | null {
    let scope: PartitionScope | null = null;
    for (const p of this.active.values()) if (p.hosts.includes(host)) scope = strongerScope(scope, p.scope);
    return scope;
  }

  list(): Partition[] {
    return [...this.active.values()];
  }
}
