import { errorMessage, type RecoveryDeps } from '../recovery-deps';
import { type SlotScope } from '../store/concurrency-slots';
import { type NovaSample } from './aimd';
import { outcomeOfError, worthNoting } from './nova-pacer';

/**
 * Times the Nova calls of a move and feeds their answers to the pacer; the limit changes they cause
 * go to the incident's timeline (every decrease; increases at powers of two and at the bound).
 */
export class PacedCalls {
  constructor(private readonly d: RecoveryDeps) {}

  async call<T>(
    scopes: readonly SlotScope[],
    incidentId: string,
    what: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const started = this.d.clock.now();
    try {
      const result = await fn();
      await this.observe(scopes, incidentId, {
        kind: 'call',
        at: this.d.clock.now(),
        latencyMs: this.d.clock.now() - started,
        outcome: 'ok',
        what,
      });
      return result;
    } catch (err) {
      const outcome = outcomeOfError(err);
      if (outcome)
        await this.observe(scopes, incidentId, {
          kind: 'call',
          at: this.d.clock.now(),
          latencyMs: this.d.clock.now() - started,
          outcome,
          what,
        });
      throw err;
    }
  }

  async observe(scopes: readonly SlotScope[], incidentId: string, sample: NovaSample): Promise<void> {
    for (const event of this.d.pacer.observe(scopes, incidentId, sample)) {
      if (!worthNoting(event)) continue;
      const { from, to, reason } = event.decision;
      await this.d.journal
        .note(incidentId, 'pacing', `${event.scope} limit ${from} → ${to} (bound ${event.max}): ${reason}`)
        .catch((err: unknown) =>
          this.d.logger.warn({ err: errorMessage(err), incidentId }, 'could not record a pacing decision'),
        );
    }
  }
}
