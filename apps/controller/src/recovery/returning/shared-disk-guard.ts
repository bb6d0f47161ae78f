import { type SharedDiskGuardConfig } from '@vigil/config';

/**
 * Zombie guard for shared disks, the pure part. A fenced host's guest may still hold its Ceph RBD image
 * open (a power-off not yet effective, a watch the OSDs have not timed out yet): evacuating then starts a
 * second writer on the same image. Before the evacuate, the image must show no watcher and no lock. The
 * failed host is the only one that had the instance's image open, so any holder counts.
 */

/** Who holds an image, as `rbd status` / `rbd lock ls` report it. */
export interface DiskHolders {
  /** `rbd status --format json`: `watchers[].address` (`ip:port/nonce`) and `client` (id). */
  watchers: { address: string; client: number }[];
  /** `rbd lock ls --format json`: `[{id, locker, address}]` (the exclusive-lock feature's lock is one). */
  locks: { id: string; locker: string; address: string }[];
}

/** Checks who holds a shared disk; throws a coded VigilError when it cannot tell. */
export interface SharedDiskProbe {
  holders(image: string): Promise<DiskHolders>;
}

/** What the move does now. */
export type DiskGuardStep =
  { kind: 'go' } | { kind: 'wait'; remainingMs: number; why: string } | { kind: 'timeout'; why: string };

/** Pure: whether this instance's disk is checked (guard on, its segment included). */
export function guardApplies(config: SharedDiskGuardConfig, segment: { id: string; name?: string }): boolean {
  if (!config.enabled) return false;
  return config.segments.length === 0 || config.segments.some((s) => s === segment.id || s === segment.name);
}

/** Pure: the `pool/image` of an instance: its metadata's, else Nova's ephemeral RBD naming. */
export function imageOf(
  config: SharedDiskGuardConfig,
  instanceId: string,
  metadata: Readonly<Record<string, string>>,
): string {
  const named = metadata[config.imageKey]?.trim();
  return named && /^[^/\s]+\/[^/\s]+$/.test(named) ? named : `${config.pool}/${instanceId}_disk`;
}

/** Pure: `holders` → go, wait (with why), or timeout once `waitMs` has passed since the wait began. */
export function diskGuardStep(args: {
  image: string;
  holders: DiskHolders;
  waitingSince: number;
  now: number;
  waitMs: number;
}): DiskGuardStep {
  const { image, holders, waitingSince, now, waitMs } = args;
  if (holders.watchers.length === 0 && holders.locks.length === 0) return { kind: 'go' };
  const who = [
    ...holders.watchers.map((w) => `watcher client.${w.client} at ${w.address}`),
    ...holders.locks.map((l) => `lock ${l.id} by ${l.locker} at ${l.address}`),
  ].join(', ');
  const why = `RBD image ${image} still held (${who})`;
  const elapsed = now - waitingSince;
  if (elapsed >= waitMs) return { kind: 'timeout', why };
  return { kind: 'wait', remainingMs: waitMs - elapsed, why };
}
