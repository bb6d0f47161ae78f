import { ErrorCode } from '@vigil/contracts';

/** fence-agents on bookworm warn about the deprecated `pipes` module on every run: not an error. */
const NOISE = [/DeprecationWarning/, /^\s*from pipes import quote\s*$/];

export function meaningfulStderr(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !NOISE.some((re) => re.test(l)));
}

export type AgentFailure =
  /** The agent could not log in, or its device never answered: probe reachability to decide. */
  { kind: 'login-or-unreachable' } | { kind: 'coded'; code: ErrorCode };

/**
 * Classifies a failed agent run (exit 1) from its stderr. The agent always exits 1; `EC_*` reasons only
 * pick the message. We run agents with `verbose=1`, so the tool's own output (e.g. ipmitool's) is there too.
 */
export function classifyAgentFailure(stderr: string, action: 'on' | 'off' | 'status'): AgentFailure {
  const text = meaningfulStderr(stderr).join('\n');
  if (/Timed out waiting to power OFF/i.test(text))
    return { kind: 'coded', code: ErrorCode.POWER_OFF_UNVERIFIED };
  if (/Timed out waiting to power ON/i.test(text)) return { kind: 'coded', code: ErrorCode.TIMEOUT };
  // The agent killed its tool after power_timeout: on IPMI that means no answer at all.
  if (/Connection timed out/i.test(text)) return { kind: 'coded', code: ErrorCode.BMC_UNREACHABLE };
  if (
    /Connection refused|No route to host|Network is unreachable|Name or service not known|Failed to connect/i.test(
      text,
    )
  ) {
    return { kind: 'coded', code: ErrorCode.BMC_UNREACHABLE };
  }
  if (
    /\b401\b|\b403\b|Unauthorized|Forbidden|Login failed|login denied|RAKP \d .*(invalid|unauthorized)/i.test(
      text,
    )
  ) {
    return { kind: 'coded', code: ErrorCode.AUTH_FAILED };
  }
  // ipmitool's session failure and "Unable to connect/login to fencing device" read the same for a wrong
  // password and a device that does not answer.
  if (/Unable to establish (IPMI v2 \/ RMCP\+|LAN) session|Unable to connect\/login/i.test(text)) {
    return { kind: 'login-or-unreachable' };
  }
  if (/You have to enter|Failed: (Unrecognised|Unknown|You have)|is not a valid|Parse error/i.test(text)) {
    return { kind: 'coded', code: ErrorCode.CONFIG_INVALID };
  }
  // "Unable to obtain correct plug status" after the BMC answered with an error ("Unspecified error").
  return { kind: 'coded', code: action === 'off' ? ErrorCode.POWER_OFF_UNVERIFIED : ErrorCode.UNAVAILABLE };
}

/** The agent's own verdict, without its log prefix (`2026-... ERROR: Failed: ...`). */
export function agentReason(stderr: string): string {
  const lines = meaningfulStderr(stderr);
  const failed = [...lines].reverse().find((l) => /Failed|ERROR|Error/.test(l)) ?? lines[lines.length - 1];
  return (failed ?? '(no output)').replace(/^\S+ \S+ (ERROR|INFO|DEBUG|WARNING): /, '');
}
