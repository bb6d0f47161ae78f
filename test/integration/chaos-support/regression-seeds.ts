/**
 * Round seeds that found a violation during development, replayed by chaos.int-spec on every run
 * (`npm run bench -- chaos --replay <seed>` replays one by hand). Never removed: a seed that passes
 * again is the proof that the fix holds.
 */
export const REGRESSION_ROUND_SEEDS: ReadonlyArray<{ roundSeed: number; found: string }> = [
  {
    roundSeed: 3955380450,
    found:
      'power-off + Redis restart: the host.recover job failed for good with "not the leader" while the lease lapsed, the incident stayed running forever (fixed: leadership-lost hands the job back)',
  },
];
