import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { confirmPowerState } from './confirm-power-state';
import { Deadline } from './deadline';
import {
  type DriverDeps,
  type FencingCallOptions,
  type FencingDriver,
  type PowerActionResult,
  type PowerState,
} from './fencing-driver';
import { FENCE_AGENT_NAME, type FenceAgentTarget } from './fencing-target';
import { agentReason, classifyAgentFailure } from './fence-agent-output';
import { runProcess, scrub } from './process-runner';
import { rmcpPresencePing, tcpConnectProbe } from './reachability';

/** Where agents are looked up, in order (fence-agents installs into /usr/sbin). */
export const FENCE_AGENT_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'] as const;
/** Keys the driver owns; per-host options may not override them. */
const RESERVED_OPTIONS = new Set([
  'action',
  'ip',
  'ipaddr',
  'ipport',
  'username',
  'login',
  'password',
  'passwd',
]);
const REACHABILITY_PROBE_TIMEOUT_MS = 1000;
/** Agents speaking IPMI over UDP (probed with an RMCP ping); anything else is probed with a TCP connect. */
const IPMI_AGENT = /ipmi|ilo[0-9]?(_|$)|idrac|imm/;

type AgentAction = 'status' | 'on' | 'off';

export interface FenceAgentDeps extends DriverDeps {
  /** Directories searched for the agent. Default FENCE_AGENT_DIRS. */
  searchDirs?: readonly string[];
}

/**
 * Runs a fence-agents `fence_*` agent with NO arguments, so it reads its options from stdin: the password
 * never shows in argv or `ps`. (fence_ipmilan itself still hands it to ipmitool as `-P`; prefer
 * IpmitoolDriver where that matters.) Exit codes: status 0 = on, 2 = off; on/off 0 = done, 1 = failed.
 */
export class FenceAgentDriver implements FencingDriver {
  readonly kind = 'fence-agent' as const;
  private readonly agentPath: string;

  constructor(
    private readonly target: FenceAgentTarget,
    private readonly deps: FenceAgentDeps = {},
  ) {
    if (!FENCE_AGENT_NAME.test(target.agent)) {
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `invalid fence agent name ${JSON.stringify(target.agent)}`,
      );
    }
    for (const name of Object.keys(target.options)) {
      if (RESERVED_OPTIONS.has(name.replace(/-/g, '_'))) {
        throw new VigilError(ErrorCode.CONFIG_INVALID, `fence agent option ${name} is set by the driver`);
      }
    }
    this.agentPath = resolveAgent(target.agent, deps.searchDirs ?? FENCE_AGENT_DIRS);
  }

  async status(options: FencingCallOptions): Promise<PowerState> {
    return this.readStatus(new Deadline(options.timeoutMs, options.signal));
  }

  async powerOff(options: FencingCallOptions): Promise<PowerActionResult> {
    return this.switchPower('off', new Deadline(options.timeoutMs, options.signal));
  }

  async powerOn(options: FencingCallOptions): Promise<PowerActionResult> {
    return this.switchPower('on', new Deadline(options.timeoutMs, options.signal));
  }

  private async switchPower(want: PowerState, deadline: Deadline): Promise<PowerActionResult> {
    if ((await this.readStatus(deadline)) === want) {
      this.deps.logger?.info(
        { agent: this.target.agent, bmc: this.target.address, want },
        'already in wanted state',
      );
      return { state: want, commandSent: false, elapsedMs: deadline.elapsedMs() };
    }
    // The agent verifies by itself too, but its exit 0 is still a reply, not a reading of ours.
    await this.run(want, deadline);
    await confirmPowerState(() => this.readStatus(deadline), want, deadline, this.target.pollIntervalMs);
    return { state: want, commandSent: true, elapsedMs: deadline.elapsedMs() };
  }

  private async readStatus(deadline: Deadline): Promise<PowerState> {
    const exitCode = await this.run('status', deadline);
    return exitCode === 2 ? 'off' : 'on';
  }

  /** Resolves with the exit code when it means success for `action` (status: 0 or 2), else throws. */
  private async run(action: AgentAction, deadline: Deadline): Promise<number> {
    deadline.check(`${this.target.agent} ${action}`);
    const t = this.target;
    const result = await runProcess({
      command: this.agentPath,
      args: [],
      stdin: this.stdinFor(action),
      timeoutMs: deadline.remainingMs(),
      signal: deadline.signal,
      observer: this.deps.spawnObserver,
    });
    const context = {
      agent: t.agent,
      bmc: t.address,
      action,
      exitCode: result.exitCode,
      elapsedMs: result.elapsedMs,
    };
    if (result.killed) {
      this.deps.logger?.warn(context, 'fence agent killed after the call budget');
      throw new VigilError(ErrorCode.TIMEOUT, `${t.agent} ${action} killed after the call budget`, context);
    }
    if (result.exitCode === 0 || (action === 'status' && result.exitCode === 2)) return result.exitCode;

    // verbose=1 output may echo options; scrub before it reaches a log or an error.
    const stderr = scrub(result.stderr, t.password);
    const reason = agentReason(stderr);
    const failure = classifyAgentFailure(stderr, action);
    const code =
      failure.kind === 'coded'
        ? failure.code
        : (await this.deviceAnswers(deadline))
          ? ErrorCode.AUTH_FAILED
          : ErrorCode.BMC_UNREACHABLE;
    this.deps.logger?.warn({ ...context, code, reason }, 'fence agent failed');
    throw new VigilError(code, `${t.agent} ${action} failed: ${reason}`, context);
  }

  private async deviceAnswers(deadline: Deadline): Promise<boolean> {
    const timeoutMs = Math.min(REACHABILITY_PROBE_TIMEOUT_MS, Math.max(1, deadline.remainingMs()));
    if (IPMI_AGENT.test(this.target.agent)) {
      return rmcpPresencePing(this.target.address, this.target.port ?? 623, timeoutMs);
    }
    return tcpConnectProbe(this.target.address, this.target.port ?? 443, timeoutMs);
  }

  private stdinFor(action: AgentAction): string {
    const t = this.target;
    const lines = [`action=${action}`, `ip=${t.address}`, `username=${t.username}`, `password=${t.password}`];
    if (t.port !== undefined) lines.push(`ipport=${t.port}`);
    // verbose puts the tool's own error text on stderr: the only way to tell a BMC error from a login failure.
    lines.push('verbose=1');
    for (const [name, value] of Object.entries(t.options)) {
      if (value === false) continue; // a flag given as 0 still counts as present in fencing.py
      lines.push(`${name}=${value === true ? '1' : String(value)}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function resolveAgent(name: string, dirs: readonly string[]): string {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new VigilError(ErrorCode.CONFIG_INVALID, `fence agent ${name} not found in ${dirs.join(', ')}`);
}
