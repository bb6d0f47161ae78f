import { ErrorCode } from '@vigil/contracts';
import { classifyIpmitoolFailure, lastErrorLine, parseChassisPowerStatus } from './ipmitool-output';

describe('parseChassisPowerStatus', () => {
  it.each([
    ['Chassis Power is on\n', 'on'],
    ['Chassis Power is off\n', 'off'],
    ['Chassis Power Control: Down/Off\n', undefined],
    ['', undefined],
  ])('%j -> %s', (stdout, expected) => {
    expect(parseChassisPowerStatus(stdout)).toBe(expected);
  });
});

describe('classifyIpmitoolFailure', () => {
  it.each([
    ['Error: Unable to establish IPMI v2 / RMCP+ session\n', { kind: 'session' }],
    ['Error: Unable to establish LAN session\n', { kind: 'session' }],
    ['> RAKP 2 HMAC is invalid\n', { kind: 'coded', code: ErrorCode.AUTH_FAILED }],
    [
      'RAKP 2 message indicates an error : unauthorized name\n',
      { kind: 'coded', code: ErrorCode.AUTH_FAILED },
    ],
    ['Get Chassis Power Status failed: Unspecified error\n', { kind: 'coded', code: ErrorCode.UNAVAILABLE }],
    [
      'Set Chassis Power Control to Down/Off failed: Invalid data field in request\n',
      { kind: 'coded', code: ErrorCode.UNAVAILABLE },
    ],
    ['Address lookup for bmc.example failed\n', { kind: 'coded', code: ErrorCode.BMC_UNREACHABLE }],
    ['Invalid chassis power command: x\n', { kind: 'coded', code: ErrorCode.CONFIG_INVALID }],
  ])('%j', (stderr, expected) => {
    expect(classifyIpmitoolFailure(stderr)).toEqual(expected);
  });

  it('reports the last non-empty line', () => {
    expect(lastErrorLine('a\n\nError: b\n\n')).toBe('Error: b');
    expect(lastErrorLine('')).toBe('(no output)');
  });
});
