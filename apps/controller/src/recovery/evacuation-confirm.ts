import { type IncidentRecord, type MoveRecord } from './model';
import { type NovaSample } from './pacing/aimd';
import { type MigrationView } from './ports';
import { type RecoveryDeps } from './recovery-deps';
import { judgeMove } from './workflow/state-machine';

export interface ConfirmPacing {
  /** Called between polls: renews the move's concurrency-slot lease. */
  keepSlot: () => Promise<unknown>;
  /** When the evacuate call of this attempt was made (epoch ms; NaN when unknown). */
  issuedAt: number;
  /** Tells pacing how the rebuild ended. */
  sample: (sample: NovaSample) => Promise<void>;
}

export type ConfirmResult =
  | { kind: 'moved'; host: string }
  | { kind: 'failed'; reason: string; final: boolean; timedOut?: boolean }
  | { kind: 'later'; afterMs: number; why: string };

/** Polls one accepted evacuation until it is confirmed, failed or out of time (deadline kept across restarts). */
export class MoveConfirmer {
  constructor(private readonly d: RecoveryDeps) {}

  async confirm(
    token: number,
    incident: IncidentRecord,
    move: MoveRecord,
    signal: AbortSignal,
    pacing: ConfirmPacing,
  ): Promise<ConfirmResult> {
    if (move.confirmDeadline === null) {
      move.confirmDeadline = this.d.clock.now() + this.d.config.confirmTimeoutMs;
      await this.d.store.putMove(token, incident.id, move);
    }
    for (;;) {
      const [server, migrations] = await Promise.all([
        this.d.compute.getServer(move.instanceId),
        this.d.compute.evacuationMigrations(move.instanceId),
      ]);
      const original = move.resetToError ? 'error' : move.originalVmState;
      const verdict = judgeMove(server, incident.host, original, latest(migrations));
      if (verdict.kind !== 'pending' && Number.isFinite(pacing.issuedAt))
        await pacing.sample({
          kind: 'rebuild',
          at: this.d.clock.now(),
          durationMs: this.d.clock.now() - pacing.issuedAt,
          outcome: verdict.kind === 'moved' ? 'ok' : 'failed',
        });
      if (verdict.kind === 'moved') return verdict;
      if (verdict.kind === 'failed') return { ...verdict, final: server === undefined };
      if (this.d.clock.now() > move.confirmDeadline)
        // Still rebuilding: another evacuate would be refused (409); report it instead.
        return {
          kind: 'failed',
          reason: `not confirmed within ${this.d.config.confirmTimeoutMs} ms`,
          final: true,
          timedOut: true,
        };
      if (signal.aborted) return { kind: 'later', afterMs: 0, why: 'shutting down' };
      // Aimed at the learned rebuild time, within [minPollIntervalMs, pollIntervalMs] and the poll budget.
      const elapsed = Number.isFinite(pacing.issuedAt) ? this.d.clock.now() - pacing.issuedAt : Infinity;
      await this.d.clock.delay(this.d.pacer.pollDelayMs(elapsed));
      await pacing.keepSlot();
    }
  }
}

function latest(migrations: readonly MigrationView[]): MigrationView | undefined {
  return [...migrations].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)[0];
}
