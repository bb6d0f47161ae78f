import { ErrorCode, VigilError } from '@vigil/contracts';
import { DEFAULT_POLL_INTERVAL_MS, confirmPowerState } from './confirm-power-state';
import { Deadline } from './deadline';
import {
  type DriverDeps,
  type FencingCallOptions,
  type FencingDriver,
  type PowerActionResult,
  type PowerState,
} from './fencing-driver';
import { type IpmitoolTarget } from './fencing-target';
import { classifyIpmitoolFailure, lastErrorLine, parseChassisPowerStatus } from './ipmitool-output';
import { runProcess } from './process-runner';
import { rmcpPresencePing } from './reachability';

/** How long the presence ping may take when telling a wrong password from a dead BMC, ms. */
const PRESENCE_PING_TIMEOUT_MS = 1000;

type ChassisCommand = 'status' | 'on' | 'off';

/**
 * Power control through `ipmitool -I lanplus`. The password travels in `IPMI_PASSWORD` (`-E`), never argv.
 * `-N 1 -R <retries>` keeps a dead BMC from holding a call for ~20 s (ipmitool's defaults).
 */
export class IpmitoolDriver implements FencingDriver {
  readonly kind = 'ipmitool' as const;

  constructor(
    private readonly target: IpmitoolTarget,
    private readonly deps: DriverDeps = {},
  ) {}

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
    const before = await this.readStatus(deadline);
    if (before === want) {
      this.deps.logger?.info(
        { bmc: this.target.address, want },
        'power already in wanted state; nothing sent',
      );
      return { state: want, commandSent: false, elapsedMs: deadline.elapsedMs() };
    }
    // The reply ("Chassis Power Control: Down/Off") only means the BMC accepted the request.
    await this.run(want, deadline);
    this.deps.logger?.info({ bmc: this.target.address, want }, 'power command accepted; reading state back');
    await confirmPowerState(
      () => this.readStatus(deadline),
      want,
      deadline,
      this.target.pollIntervalMs || DEFAULT_POLL_INTERVAL_MS,
    );
    return { state: want, commandSent: true, elapsedMs: deadline.elapsedMs() };
  }

  private async readStatus(deadline: Deadline): Promise<PowerState> {
    const stdout = await this.run('status', deadline);
    const state = parseChassisPowerStatus(stdout);
    if (!state) {
      throw new VigilError(
        ErrorCode.BAD_RESPONSE,
        `unexpected ipmitool status output: ${stdout.trim().slice(0, 200)}`,
        {
          bmc: this.target.address,
        },
      );
    }
    return state;
  }

  private async run(command: ChassisCommand, deadline: Deadline): Promise<string> {
    deadline.check(`ipmitool chassis power ${command}`);
    const t = this.target;
    const result = await runProcess({
      command: t.ipmitoolPath,
      args: [
        ...['-I', 'lanplus', '-H', t.address, '-p', String(t.port), '-U', t.username, '-E'],
        ...['-C', String(t.cipher), '-L', t.privilegeLevel, '-N', '1', '-R', String(t.retries)],
        ...['chassis', 'power', command],
      ],
      env: { IPMI_PASSWORD: t.password },
      timeoutMs: deadline.remainingMs(),
      signal: deadline.signal,
      observer: this.deps.spawnObserver,
    });
    if (result.killed) {
      throw new VigilError(
        ErrorCode.TIMEOUT,
        `ipmitool chassis power ${command} killed after the call budget`,
        {
          bmc: t.address,
          elapsedMs: result.elapsedMs,
        },
      );
    }
    if (result.exitCode === 0) return result.stdout;
    const reason = lastErrorLine(result.stderr);
    const failure = classifyIpmitoolFailure(result.stderr);
    let code: ErrorCode;
    if (failure.kind === 'session') {
      // Same text for both causes; a sessionless RMCP ping tells them apart. A wrong password fails at
      // once, a dead BMC only after its retransmissions (~2 s with -N 1 -R 1), which the ping confirms.
      const answered = await rmcpPresencePing(
        t.address,
        t.port,
        Math.min(PRESENCE_PING_TIMEOUT_MS, Math.max(1, deadline.remainingMs())),
      );
      code = answered ? ErrorCode.AUTH_FAILED : ErrorCode.BMC_UNREACHABLE;
    } else {
      code = failure.code;
    }
    this.deps.logger?.warn(
      { bmc: t.address, command, code, reason, exitCode: result.exitCode },
      'ipmitool failed',
    );
    throw new VigilError(code, `ipmitool chassis power ${command} failed: ${reason}`, {
      bmc: t.address,
      exitCode: result.exitCode,
      elapsedMs: result.elapsedMs,
    });
  }
}
