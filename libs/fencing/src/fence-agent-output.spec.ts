import { ErrorCode } from '@vigil/contracts';
import { agentReason, classifyAgentFailure, meaningfulStderr } from './fence-agent-output';

const NOISE =
  "/usr/sbin/fence_ipmilan:5: DeprecationWarning: 'pipes' is deprecated and slated for removal in Python 3.13\n  from pipes import quote\n";
const log = (level: string, text: string): string => `2026-11-24 23:58:50,309 ${level}: ${text}\n`;

describe('classifyAgentFailure', () => {
  it.each([
    [
      'ipmitool session failure (login or unreachable: needs a probe)',
      log('DEBUG', '1  Error: Unable to establish IPMI v2 / RMCP+ session') +
        log('ERROR', 'Failed: Unable to obtain correct plug status or plug is not available'),
      'status',
      { kind: 'login-or-unreachable' },
    ],
    [
      'agent killed ipmitool after power_timeout',
      log('ERROR', 'Connection timed out'),
      'status',
      { kind: 'coded', code: ErrorCode.BMC_UNREACHABLE },
    ],
    [
      'BMC error on the initial status',
      log('DEBUG', '1  Get Chassis Power Status failed: Unspecified error') +
        log('ERROR', 'Failed: Unable to obtain correct plug status or plug is not available'),
      'status',
      { kind: 'coded', code: ErrorCode.UNAVAILABLE },
    ],
    [
      'off never confirmed by the agent',
      log('ERROR', 'Failed: Timed out waiting to power OFF'),
      'off',
      { kind: 'coded', code: ErrorCode.POWER_OFF_UNVERIFIED },
    ],
    [
      'on never confirmed by the agent',
      log('ERROR', 'Failed: Timed out waiting to power ON'),
      'on',
      { kind: 'coded', code: ErrorCode.TIMEOUT },
    ],
    [
      'redfish 401',
      log('ERROR', 'Failed: Unable to connect/login: 401 Unauthorized'),
      'status',
      { kind: 'coded', code: ErrorCode.AUTH_FAILED },
    ],
    [
      'connection refused',
      log('ERROR', 'Failed: Connection refused'),
      'status',
      { kind: 'coded', code: ErrorCode.BMC_UNREACHABLE },
    ],
    [
      'missing address',
      log('ERROR', 'Failed: You have to enter fence address'),
      'status',
      { kind: 'coded', code: ErrorCode.CONFIG_INVALID },
    ],
    [
      'unknown failure during off',
      log('ERROR', 'Failed: something odd'),
      'off',
      { kind: 'coded', code: ErrorCode.POWER_OFF_UNVERIFIED },
    ],
  ] as const)('%s', (_name, stderr, action, expected) => {
    expect(classifyAgentFailure(NOISE + stderr, action)).toEqual(expected);
  });

  it('treats the DeprecationWarning alone as no meaningful output', () => {
    expect(meaningfulStderr(NOISE)).toEqual([]);
  });
});

describe('agentReason', () => {
  it.each([
    [
      log('ERROR', 'Failed: Unable to obtain correct plug status or plug is not available'),
      'Failed: Unable to obtain correct plug status or plug is not available',
    ],
    [NOISE, '(no output)'],
    [log('INFO', 'Executing: x') + log('ERROR', 'Connection timed out'), 'Connection timed out'],
  ])('extracts the verdict from %j', (stderr, reason) => {
    expect(agentReason(stderr)).toBe(reason);
  });
});
