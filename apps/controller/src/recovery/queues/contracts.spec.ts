import { JOB_NAMES, jobIdOf, missingProcessors, type RecoveryJobName, type RecoveryJobs } from './contracts';

describe('recovery queue contracts', () => {
  const samples: { [K in RecoveryJobName]: RecoveryJobs[K] } = {
    'host.recover': { incidentId: 'a:b', round: 1 },
    'instance.recover': { incidentId: 'i1', round: 2 },
    'process.recover': { incidentId: 'p1', round: 1 },
    'process.reenable': { incidentId: 'p1' },
    'host.reinstate': { host: 'cmp-01', requestId: 'r1' },
    'instance.evacuate': { incidentId: 'i1', instanceId: 'vm1', round: 1 },
    'host.tier-gate': { incidentId: 'i1', round: 1, tier: 0 },
  };

  it.each(JOB_NAMES.map((n) => [n]))('%s: deterministic id without ":" and not an integer', (name) => {
    const data = samples[name];
    const id = jobIdOf(name, data as never);
    expect(id).toBe(jobIdOf(name, data as never));
    expect(id).not.toContain(':');
    expect(Number.isInteger(Number(id))).toBe(false);
  });

  it('ids differ per round and per instance, so a retry round is new work', () => {
    const a = jobIdOf('instance.evacuate', { incidentId: 'i', instanceId: 'x', round: 1 });
    expect(jobIdOf('instance.evacuate', { incidentId: 'i', instanceId: 'x', round: 2 })).not.toBe(a);
    expect(jobIdOf('instance.evacuate', { incidentId: 'i', instanceId: 'y', round: 1 })).not.toBe(a);
  });

  it.each([
    [{}, JOB_NAMES.length],
    [Object.fromEntries(JOB_NAMES.map((n) => [n, () => undefined])), 0],
    [Object.fromEntries(JOB_NAMES.filter((n) => n !== 'host.reinstate').map((n) => [n, () => undefined])), 1],
  ])('boot check lists every job without a processor (%#)', (handlers, missing) => {
    expect(missingProcessors(handlers)).toHaveLength(missing);
  });
});
