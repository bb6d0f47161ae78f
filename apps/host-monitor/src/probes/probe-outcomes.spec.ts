import { type CommandResult } from '../platform/command-runner';
import { outcomeOfCommand } from './command-probe';
import { processMatches } from './process-probe';
import { type ProbeOutcome } from './probe';
import { combineOutcomes } from './registry';
import { outcomeOfSocketError } from './socket-probe';
import { outcomeOfIsActive } from './systemd-probe';

const ok: ProbeOutcome = { state: 'ok' };
const failed: ProbeOutcome = { state: 'failed', reason: 'gone' };
const unknown: ProbeOutcome = { state: 'unknown', reason: 'cannot tell' };
const exited = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({
  kind: 'exited',
  exitCode,
  stdout,
  stderr,
});

describe('combineOutcomes', () => {
  it.each([
    ['all', [ok, ok], 'ok', undefined],
    ['all', [ok, failed], 'failed', 'gone'],
    ['all', [ok, unknown], 'unknown', 'cannot tell'],
    ['all', [unknown, failed], 'failed', 'cannot tell; gone'],
    ['any', [failed, ok], 'ok', undefined],
    ['any', [failed, unknown], 'failed', 'gone; cannot tell'],
    ['any', [unknown, unknown], 'unknown', 'cannot tell; cannot tell'],
    ['all', [], 'unknown', 'no checks configured'],
  ] as const)('%s of %j is %s', (require, outcomes, state, reason) => {
    expect(combineOutcomes(require, outcomes)).toEqual(reason === undefined ? { state } : { state, reason });
  });
});

describe('outcomeOfCommand', () => {
  const label = 'command:virsh version';
  it.each<[CommandResult, ProbeOutcome]>([
    [exited(0, 'Compiled against library: libvirt 8.0.0'), { state: 'ok' }],
    [
      exited(
        1,
        '',
        'error: failed to connect to the hypervisor\nerror: Failed to connect socket: No such file',
      ),
      { state: 'failed', reason: `${label} exited 1: error: Failed to connect socket: No such file` },
    ],
    [exited(2), { state: 'failed', reason: `${label} exited 2: no output` }],
    [
      { kind: 'timeout', stdout: '', stderr: '' },
      { state: 'failed', reason: `${label} did not answer within 500 ms` },
    ],
    [
      { kind: 'killed', signal: 'SIGSEGV', stdout: '', stderr: '' },
      { state: 'failed', reason: `${label} killed by SIGSEGV` },
    ],
    [
      { kind: 'spawn-error', message: 'spawn virsh ENOENT' },
      { state: 'unknown', reason: `${label} cannot run: spawn virsh ENOENT` },
    ],
  ])('%j → %j', (result, outcome) => {
    expect(outcomeOfCommand(label, result, 500)).toEqual(outcome);
  });
});

describe('outcomeOfIsActive', () => {
  it.each<[CommandResult, ProbeOutcome]>([
    [exited(0, 'active\n'), { state: 'ok' }],
    [exited(3, 'inactive\n'), { state: 'failed', reason: 'unit nova-compute is inactive' }],
    [exited(3, 'failed\n'), { state: 'failed', reason: 'unit nova-compute is failed' }],
    [exited(3, 'activating\n'), { state: 'failed', reason: 'unit nova-compute is activating' }],
    [
      exited(1, '', 'System has not been booted with systemd as init system (PID 1).'),
      {
        state: 'unknown',
        reason:
          'systemctl is-active nova-compute exited 1: System has not been booted with systemd as init system (PID 1).',
      },
    ],
    [
      { kind: 'spawn-error', message: 'spawn systemctl ENOENT' },
      { state: 'unknown', reason: 'systemctl unavailable: spawn systemctl ENOENT' },
    ],
    [
      { kind: 'timeout', stdout: '', stderr: '' },
      { state: 'unknown', reason: 'systemctl is-active nova-compute timed out after 100 ms' },
    ],
  ])('%j → %j', (result, outcome) => {
    expect(outcomeOfIsActive('nova-compute', result, 100)).toEqual(outcome);
  });
});

describe('processMatches', () => {
  it.each([
    ['nova-compute', 'nova-compute', ['/usr/bin/nova-compute'], true],
    ['nova-compute', 'python3', ['/usr/bin/python3', '/usr/bin/nova-compute', '--config-file', 'x'], true],
    ['nova-compute', 'sleep', ['nova-compute', '1000'], true],
    ['neutron-openvswitch-agent', 'neutron-openvsw', ['/usr/bin/python3'], true],
    ['nova-compute', 'python3', ['/usr/bin/python3', '/usr/bin/nova-api'], false],
    ['nova-compute', 'bash', ['bash', '-c', 'nova-compute'], false],
    ['libvirtd', 'virtlogd', ['/usr/sbin/virtlogd'], false],
  ] as const)('%s vs comm %s argv %j → %s', (name, comm, argv, expected) => {
    expect(processMatches(name, comm, argv)).toBe(expected);
  });
});

describe('outcomeOfSocketError', () => {
  it.each([
    ['ENOENT', 'failed'],
    ['ECONNREFUSED', 'failed'],
    ['EACCES', 'unknown'],
    [undefined, 'unknown'],
  ] as const)('%s → %s', (code, state) => {
    expect(outcomeOfSocketError('/run/libvirt/libvirt-sock', code, 'boom').state).toBe(state);
  });
});
