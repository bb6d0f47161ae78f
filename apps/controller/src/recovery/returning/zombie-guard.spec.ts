import { type MigrationView } from '../ports';
import { describeRunningEvacuations, resumeGuestsWarning, runningEvacuations } from './zombie-guard';

const migration = (id: number, status: string, destCompute: string | null = 'cmp-2'): MigrationView => ({
  id,
  instanceUuid: `vm-${id}`,
  status,
  sourceCompute: 'cmp-1',
  destCompute,
  createdAt: '2024-05-01T10:00:00.000000',
});

describe('runningEvacuations', () => {
  it.each([
    ['accepted', true],
    ['pre-migrating', true],
    ['migrating', true],
    ['a-status-nova-adds-later', true],
    ['done', false],
    ['completed', false],
    ['error', false],
    ['failed', false],
    ['cancelled', false],
  ])('status %s → running %s', (status, running) => {
    expect(runningEvacuations([migration(1, status)]).length === 1).toBe(running);
  });
});

describe('describeRunningEvacuations', () => {
  it('names each running migration with its instance, status and destination', () => {
    const text = describeRunningEvacuations('cmp-1', [
      migration(42, 'pre-migrating'),
      migration(43, 'accepted', null),
    ]);
    expect(text).toBe(
      '2 evacuations from cmp-1 still running in Nova: migration 42 of instance vm-42 (pre-migrating to cmp-2), ' +
        'migration 43 of instance vm-43 (accepted); re-enabling cmp-1 now could run a second copy of an instance',
    );
  });

  it('names ten and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => migration(i + 1, 'accepted'));
    const text = describeRunningEvacuations('cmp-1', many);
    expect(text).toMatch(/^12 evacuations from cmp-1/);
    expect(text).toContain('migration 10 of');
    expect(text).not.toContain('migration 11 of');
    expect(text).toContain(', and 2 more;');
  });
});

describe('resumeGuestsWarning', () => {
  const segment = { id: 'seg-uuid', name: 'rack-a' };
  it.each([
    [{ hosts: [], segments: [] }, false],
    [{ hosts: ['cmp-1'], segments: [] }, true],
    [{ hosts: ['cmp-9'], segments: [] }, false],
    [{ hosts: [], segments: ['rack-a'] }, true],
    [{ hosts: [], segments: ['seg-uuid'] }, true],
    [{ hosts: [], segments: ['rack-b'] }, false],
  ])('%j → warns %s', (stated, warns) => {
    expect(resumeGuestsWarning('cmp-1', segment, stated) !== undefined).toBe(warns);
  });

  it('says where the statement comes from, and what to check', () => {
    expect(resumeGuestsWarning('cmp-1', segment, { hosts: [], segments: ['rack-a'] })).toMatch(
      /^resume_guests_state_on_host_boot is on for cmp-1 \(stated for segment rack-a .*\): .*Check that none of them also runs elsewhere/,
    );
    expect(resumeGuestsWarning('cmp-1', undefined, { hosts: [], segments: ['rack-a'] })).toBeUndefined();
  });
});
