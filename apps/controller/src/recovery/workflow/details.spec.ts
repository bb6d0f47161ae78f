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
  ] as const)('phase %s (resume %s) → %j', (phase, resumePhase, states) => {
    const d = workflowDetails(incident({ phase, resumePhase }), [], []);
    expect(d.map((x) => x.state)).toEqual(states);
  });

  it('evacuation progress counts settled moves, excluding skipped ones', () => {
    const d = workflowDetails(incident({}), [move('succeeded'), move('moving'), move('skipped')], []);
    expect(d[3]?.progress).toBe(0.5);
  });

  it("is [] when ignored, and for an instance notification that failed before any step, as Masakari's", () => {
    expect(workflowDetails(incident({ phase: 'ignored' }), [], [])).toEqual([]);
    expect(workflowDetails(incident({ type: 'VM', phase: 'failed' }), [], [])).toEqual([]);
  });

  it("writes progress_details as Masakari's taskflow rows: progress a string, naive space-separated time", () => {
    const timeline = [{ at: '2026-12-05T21:30:01.123Z', step: 'fence', message: 'power off verified' }];
    const d = workflowDetails(incident({ phase: 'isolating' }), [], timeline);
    expect(d[0]?.progress_details).toEqual([
      { timestamp: '2026-12-05 21:30:01.123000', progress: '1.0', message: 'power off verified' },
    ]);
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
