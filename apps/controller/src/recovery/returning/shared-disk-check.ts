import { type IncidentRecord, type MoveRecord } from '../model';
import { type ServerView } from '../ports';
import { errorMessage, type RecoveryDeps } from '../recovery-deps';
import { RbdCli } from './rbd-cli';
import { diskGuardStep, guardApplies, imageOf, type SharedDiskProbe } from './shared-disk-guard';

/** What the move does before its first evacuate. */
export type DiskCheckResult =
  | { kind: 'go' }
  | { kind: 'later'; afterMs: number; why: string }
  /** Not evacuated: the image stayed held past `waitMs` and the policy is `skip`. */
  | { kind: 'skip'; why: string };

/**
 * The shared-disk zombie guard at run time (`recovery.sharedDiskGuard`): before a move's first evacuate,
 * its RBD image must have no watcher and no lock. The wait is bounded (`waitMs`, from the first check,
 * stored so a restart does not reset it) and noted on the incident when it starts and when it ends.
 */
export class SharedDiskCheck {
  private readonly probe: SharedDiskProbe | undefined;

  constructor(
    private readonly d: RecoveryDeps,
    probe?: SharedDiskProbe,
  ) {
    const config = d.config.sharedDiskGuard;
    this.probe = probe ?? (config.enabled ? new RbdCli(config) : undefined);
  }

  async before(incident: IncidentRecord, move: MoveRecord, server: ServerView): Promise<DiskCheckResult> {
    const config = this.d.config.sharedDiskGuard;
    // Only before the first evacuate: a later attempt's image is held by the destination that tried.
    if (!this.probe || move.attempt > 0) return { kind: 'go' };
    const segmentId = incident.segmentId ?? '';
    const segment = await this.d.directory.getSegment(segmentId).catch(() => undefined);
    if (!guardApplies(config, { id: segmentId, name: segment?.name })) return { kind: 'go' };
    const image = imageOf(config, move.instanceId, server.metadata);
    const now = this.d.clock.now();
    const since = await this.d.store.waitingSince(
      `disk-guard-${incident.id}-${move.instanceId}-r${move.round}`,
      now,
    );
    const step = await this.probe.holders(image).then(
      (holders) => diskGuardStep({ image, holders, waitingSince: since, now, waitMs: config.waitMs }),
      // Cannot tell is not "free": it waits like a held image, and times out the same way.
      (err: unknown) => {
        const why = `cannot check RBD image ${image}: ${errorMessage(err)}`;
        return now - since >= config.waitMs
          ? { kind: 'timeout' as const, why }
          : { kind: 'wait' as const, remainingMs: config.waitMs - (now - since), why };
      },
    );
    const waited = `${((now - since) / 1000).toFixed(1)} s`;
    if (step.kind === 'go') {
      if (now > since)
        await this.note(incident, move, `RBD image ${image} released after ${waited}: evacuating`);
      return { kind: 'go' };
    }
    if (step.kind === 'wait') {
      if (now === since)
        await this.note(
          incident,
          move,
          `${step.why}: the failed host may still write to it; evacuate waits (at most ${config.waitMs / 1000} s)`,
        );
      return {
        kind: 'later',
        afterMs: Math.max(1, Math.min(config.pollIntervalMs, step.remainingMs)),
        why: step.why,
      };
    }
    if (config.onTimeout === 'evacuate') {
      await this.note(
        incident,
        move,
        `${step.why} after ${waited}: evacuating anyway (recovery.sharedDiskGuard.onTimeout: evacuate)`,
      );
      return { kind: 'go' };
    }
    return {
      kind: 'skip',
      why: `${step.why} after ${waited}: not evacuated, a second writer could corrupt it (recovery.sharedDiskGuard.onTimeout: skip)`,
    };
  }

  private note(incident: IncidentRecord, move: MoveRecord, message: string): Promise<void> {
    return this.d.journal.note(incident.id, 'evacuate', message, move.instanceId);
  }
}
