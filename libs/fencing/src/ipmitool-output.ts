import { ErrorCode } from '@vigil/contracts';
import { type PowerState } from './fencing-driver';

/** `ipmitool chassis power status` prints exactly this on success. */
export function parseChassisPowerStatus(stdout: string): PowerState | undefined {
  const match = /Chassis Power is (on|off)\b/.exec(stdout);
  return match?.[1] === 'on' ? 'on' : match?.[1] === 'off' ? 'off' : undefined;
}

export type IpmitoolFailure =
  /** ipmitool could not open a session: wrong credentials OR nobody answering — probe to tell. */
  { kind: 'session'; code?: undefined } | { kind: 'coded'; code: ErrorCode };

/**
 * Classifies a failed ipmitool run from its stderr. "Unable to establish IPMI v2 / RMCP+ session" is
 * printed both for a wrong password (immediately) and for a dead BMC (after -N × (R+1) s), so it is
 * returned as `session` and the driver resolves it with an RMCP presence ping.
 */
export function classifyIpmitoolFailure(stderr: string): IpmitoolFailure {
  if (/Unable to establish (IPMI v2 \/ RMCP\+|LAN) session|Error: no response from RAKP/i.test(stderr)) {
    return { kind: 'session' };
  }
  if (
    /RAKP \d .*(invalid|unauthorized)|Insufficient privilege|privilege level .* not available/i.test(stderr)
  ) {
    return { kind: 'coded', code: ErrorCode.AUTH_FAILED };
  }
  if (
    /Address lookup .* failed|Name or service not known|No route to host|Network is unreachable/i.test(stderr)
  ) {
    return { kind: 'coded', code: ErrorCode.BMC_UNREACHABLE };
  }
  if (/Invalid chassis power command|Invalid (user|hostname|port)/i.test(stderr)) {
    return { kind: 'coded', code: ErrorCode.CONFIG_INVALID };
  }
  // "Get Chassis Power Status failed: Unspecified error" and friends: the BMC answered with an error.
  return { kind: 'coded', code: ErrorCode.UNAVAILABLE };
}

/** The last meaningful stderr line, for error messages (never contains the password: it only travels by env). */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '(no output)';
}
