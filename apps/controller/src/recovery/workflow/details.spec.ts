import { type IncidentRecord, type MoveRecord } from '../model';
import { toVmoves, vmoveUuid, workflowDetails } from './details';

const incident = (over: Partial<IncidentRecord>): IncidentRecord => ({
  id: 'inc',
  type: 'COMPUTE_HOST',
  host: 'cmp-01',
  origin: 'external',
  round: 1,
  phase: 'evacuating',
  status: 'running',
  createdAt: '',
  updatedAt: '',
  ...over,
});
const move = (status: MoveRecord['status']): MoveRecord => ({
  instanceId: status,
  instanceName: status,
  sourceHost: 'cmp-01',
  order: 0,
  originalVmState: 'active',
  target: { kind: 'scheduler' },
  status,
  attempt: 1,
  triedTargets: [],
  destHost: null,
  startedAt: null,
  endedAt: null,
  message: null,
  resetToError: false,
  round: 1,
  failures: 0,
  locked: false,
  confirmDeadline: null,
});

describe('workflowDetails', () => {
  it.each([
    ['evacuating', undefined, ['SUCCESS', 'SUCCESS', 'SUCCESS', 'RUNNING']],
    ['finished', undefined, ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']],
    ['error', 'fencing', ['FAILURE', 'PENDING', 'PENDING', 'PENDING']],
    ['ignored', undefined, ['SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']],
  ] as const)('phase %s (resume %s) → %j', (phase, resumePhase, states) => {
    const d = workflowDetails(incident({ phase, resumePhase }), [], []);
    expect(d.map((x) => x.state)).toEqual(states);
  });

  it('evacuation progress counts settled moves, excluding skipped ones', () => {
    const d = workflowDetails(incident({}), [move('succeeded'), move('moving'), move('skipped')], []);
    expect(d[3]?.progress).toBe(0.5);
  });
});

describe('toVmoves', () => {
  it.each([
    ['planned', 'pending'],
    ['moving', 'ongoing'],
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
    ['blocked', 'failed'],
    ['aborted', 'ignored'],
    ['skipped', 'ignored'],
  ] as const)('%s → %s', (status, vmove) => {
    expect(toVmoves('inc', [move(status)])[0]?.status).toBe(vmove);
  });

  it('gives each move a stable UUID', () => {
    expect(vmoveUuid('inc', 'vm')).toBe(vmoveUuid('inc', 'vm'));
    expect(vmoveUuid('inc', 'vm')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
