import { type NovaFake, type NovaFakeRequestRecord } from '@vigil/testing';

export const EVACUATE_ROUTE = 'POST /servers/{id}/action:evacuate';

/**
 * Wall-clock times of the Nova fake's requests. The fake records requests without a time, so the
 * benchmark stamps each one as it is recorded: after any injected latency, when the fake handles it.
 */
export class NovaRequestClock {
  private readonly stamped: { record: NovaFakeRequestRecord; atMs: number }[] = [];

  constructor(nova: NovaFake) {
    const push = nova.requests.push.bind(nova.requests);
    nova.requests.push = (...records: NovaFakeRequestRecord[]): number => {
      const atMs = Date.now();
      for (const record of records) this.stamped.push({ record, atMs });
      return push(...records);
    };
  }

  /** Times of evacuate calls Nova accepted (200 from 2.14 on, 202 before), in arrival order. */
  acceptedEvacuations(): number[] {
    return this.stamped
      .filter((s) => s.record.route === EVACUATE_ROUTE && s.record.status >= 200 && s.record.status < 300)
      .map((s) => s.atMs);
  }

  evacuateCalls(): number {
    return this.stamped.filter((s) => s.record.route === EVACUATE_ROUTE).length;
  }

  countByRoute(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { record } of this.stamped) counts[record.route] = (counts[record.route] ?? 0) + 1;
    return counts;
  }
}
