import { type MigrationView, type ServerView } from '../ports';
import {
  decideHostIntake,
  decideVmIntake,
  evacuateWasAccepted,
  judgeMove,
  roundOutcome,
  type MoveStatus,
} from './state-machine';

const enabled = { enabled: true };

describe('decideHostIntake', () => {
  it.each([
    [
      'external NORMAL, BMC',
      'external',
      { event: 'STOPPED', host_status: 'NORMAL' },
      enabled,
      true,
      'recover:verify-off',
    ],
    [
      'external NORMAL, no BMC',
      'external',
      { event: 'STOPPED', host_status: 'NORMAL' },
      enabled,
      false,
      'recover:trust-notification',
    ],
    ['external UNKNOWN', 'external', { event: 'STOPPED', host_status: 'UNKNOWN' }, enabled, true, 'ignore'],
    ['external host_status missing', 'external', { event: 'STOPPED' }, enabled, true, 'ignore'],
    ['detection with BMC', 'vigil-detection', { event: 'STOPPED' }, enabled, true, 'recover:power-off'],
    ['detection without BMC', 'vigil-detection', { event: 'STOPPED' }, enabled, false, 'error'],
    ['STARTED', 'external', { event: 'STARTED', host_status: 'NORMAL' }, enabled, true, 'finish'],
    [
      'segment disabled',
      'external',
      { event: 'STOPPED', host_status: 'NORMAL' },
      { enabled: false },
      true,
      'ignore',
    ],
    ['no segment', 'external', { event: 'STOPPED', host_status: 'NORMAL' }, undefined, true, 'error'],
  ] as const)('%s', (_case, origin, payload, segment, hasBmc, expected) => {
    const d = decideHostIntake({ origin, payload }, segment, hasBmc);
    expect(d.kind === 'recover' ? `recover:${d.fence}` : d.kind).toBe(expected);
  });

  const stopped = { event: 'STOPPED', host_status: 'NORMAL' };
  const alive = { kind: 'alive' as const, why: 'detection state up: heartbeating' };
  const silent = { kind: 'not-alive' as const };
  it.each([
    ['outside report, host alive, evidence → ignored', 'external', alive, 'evidence', 'ignore'],
    [
      'outside report, host silent, evidence → recovered as today',
      'external',
      silent,
      'evidence',
      'recover:verify-off',
    ],
    [
      "outside report, host alive, order → Masakari's behaviour",
      'external',
      alive,
      'order',
      'recover:verify-off',
    ],
    [
      "Vigil's own verdict is never second-guessed here",
      'vigil-detection',
      alive,
      'evidence',
      'recover:power-off',
    ],
  ] as const)('%s', (_name, origin, liveness, outsideNotifications, expected) => {
    const d = decideHostIntake({ origin, payload: stopped }, enabled, true, {
      liveness,
      outsideNotifications,
    });
    expect(d.kind === 'recover' ? `recover:${d.fence}` : d.kind).toBe(expected);
    expect(d.kind === 'ignore' ? d.reason : 'acted').toMatch(
      expected === 'ignore' ? /alive by Vigil's own evidence \(detection state up/ : /^acted$/,
    );
  });
});

describe('roundOutcome', () => {
  const ok: MoveStatus[] = ['succeeded', 'skipped'];
  it.each([
    [ok, 1, 2, false, 'finished'],
    [[] as MoveStatus[], 1, 2, false, 'finished'],
    [['succeeded', 'failed'] as MoveStatus[], 1, 2, false, 'error'],
    [['succeeded', 'blocked'] as MoveStatus[], 2, 2, false, 'failed'],
    [ok, 1, 2, true, 'failed'],
  ])('%j round %d/%d aborted=%s → %s', (statuses, round, max, aborted, expected) => {
    expect(roundOutcome(statuses, round, max, aborted).status).toBe(expected);
  });
});

function server(over: Partial<ServerView>): ServerView {
  return {
    id: 'i',
    name: 'i',
    tenantId: 'p',
    host: 'cmp-01',
    vmState: 'active',
    taskState: null,
    status: 'ACTIVE',
    metadata: {},
    ...over,
  };
}
const migration = (status: string): MigrationView => ({
  id: 1,
  instanceUuid: 'i',
  status,
  sourceCompute: 'cmp-01',
  destCompute: null,
  createdAt: '',
});

describe('judgeMove', () => {
  it.each([
    ['moved active', server({ host: 'cmp-02' }), 'active', undefined, 'moved'],
    ['active but host not yet switched', server({}), 'active', migration('pre-migrating'), 'pending'],
    [
      'still rebuilding elsewhere',
      server({ host: 'cmp-02', taskState: 'rebuild_spawning' }),
      'active',
      undefined,
      'pending',
    ],
    [
      'stopped comes back stopped',
      server({ host: 'cmp-02', vmState: 'stopped' }),
      'stopped',
      undefined,
      'moved',
    ],
    ['stopped came back active is not done', server({ host: 'cmp-02' }), 'stopped', undefined, 'pending'],
    ['error comes back active', server({ host: 'cmp-02' }), 'error', undefined, 'moved'],
    ['went to ERROR', server({ vmState: 'error', fault: 'NoValidHost' }), 'active', undefined, 'failed'],
    ['migration failed', server({}), 'active', migration('failed'), 'failed'],
    ['vanished', undefined, 'active', undefined, 'failed'],
    ['error instance not yet picked up', server({ vmState: 'error' }), 'error', undefined, 'pending'],
  ])('%s', (_case, s, original, m, expected) => {
    expect(judgeMove(s, 'cmp-01', original, m).kind).toBe(expected);
  });
});

describe('evacuateWasAccepted', () => {
  it.each([
    ['a new migration', server({}), 1, 2, true],
    ['rebuilding', server({ taskState: 'rebuilding' }), 0, 0, true],
    ['already elsewhere', server({ host: 'cmp-03' }), 0, 0, true],
    ['nothing changed', server({}), 1, 1, false],
  ])('%s → %s', (_case, s, before, now, expected) => {
    expect(evacuateWasAccepted(s, 'cmp-01', before, now)).toBe(expected);
  });
});

describe('decideVmIntake', () => {
  const failure = { event: 'LIFECYCLE', vir_domain_event: 'STOPPED_FAILED' };
  it.each([
    ['HA failure', failure, server({ vmState: 'stopped', status: 'SHUTOFF' }), true, 'restart'],
    ['not HA-enabled', failure, server({ vmState: 'stopped', status: 'SHUTOFF' }), false, 'ignore'],
    [
      'deliberate stop',
      { event: 'LIFECYCLE', vir_domain_event: 'STOPPED_SHUTDOWN' },
      server({}),
      true,
      'ignore',
    ],
    ['unknown instance', failure, undefined, true, 'fail'],
    ['crashed guest Nova still shows ACTIVE', failure, server({}), true, 'restart'],
  ])('%s → %s', (_case, payload, s, ha, expected) => {
    expect(decideVmIntake(payload, s, ha).kind).toBe(expected);
  });
});
