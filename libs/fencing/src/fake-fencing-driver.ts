import { ErrorCode, VigilError } from '@vigil/contracts';
import { type PowerReading, confirmPowerState } from './confirm-power-state';
import { Deadline } from './deadline';
import {
  type FencingCallOptions,
  type FencingDriver,
  type PowerActionResult,
  type PowerState,
} from './fencing-driver';

export type FakeFencingOperation = 'status' | 'powerOff' | 'powerOn';

export interface FakeFencingCall {
  readonly operation: FakeFencingOperation;
  readonly timeoutMs: number;
}

/** How the fake misbehaves; each knob applies until changed. */
export interface FakeFencingBehaviour {
  /** Every call of these operations rejects with this code (e.g. AUTH_FAILED, BMC_UNREACHABLE). */
  failWith?: { code: ErrorCode; operations?: readonly FakeFencingOperation[] };
  /** Calls never answer; they end only by their own timeout (TIMEOUT) or abort. */
  hang?: boolean;
  /** Accepts power-off but the host stays on (a lying BMC). */
  lieOnPowerOff?: boolean;
}

/**
 * In-process driver with the same contract as the real ones: records calls, can fail, hang or lie.
 * Serves unit tests and the controller's dry-run mode (where nothing may really be switched off).
 */
export class FakeFencingDriver implements FencingDriver {
  readonly kind = 'fake' as const;
  readonly calls: FakeFencingCall[] = [];
  /** Power commands the "BMC" accepted, in order. */
  readonly commandsSent: PowerState[] = [];
  private behaviour: FakeFencingBehaviour = {};

  constructor(
    private power: PowerState = 'on',
    private readonly pollIntervalMs = 5,
  ) {}

  get powerState(): PowerState {
    return this.power;
  }

  setPower(state: PowerState): void {
    this.power = state;
  }

  behave(behaviour: FakeFencingBehaviour): void {
    this.behaviour = { ...behaviour };
  }

  async status(options: FencingCallOptions): Promise<PowerState> {
    const deadline = this.begin('status', options);
    await this.misbehave('status', deadline);
    return this.power;
  }

  async powerOff(options: FencingCallOptions): Promise<PowerActionResult> {
    return this.switchPower('powerOff', 'off', options);
  }

  async powerOn(options: FencingCallOptions): Promise<PowerActionResult> {
    return this.switchPower('powerOn', 'on', options);
  }

  private async switchPower(
    operation: FakeFencingOperation,
    want: PowerState,
    options: FencingCallOptions,
  ): Promise<PowerActionResult> {
    const deadline = this.begin(operation, options);
    await this.misbehave(operation, deadline);
    if (this.power === want) return { state: want, commandSent: false, elapsedMs: deadline.elapsedMs() };
    this.commandsSent.push(want);
    if (!(want === 'off' && this.behaviour.lieOnPowerOff)) this.power = want;
    await confirmPowerState(
      async (): Promise<PowerReading> => Promise.resolve(this.power),
      want,
      deadline,
      this.pollIntervalMs,
    );
    return { state: want, commandSent: true, elapsedMs: deadline.elapsedMs() };
  }

  private begin(operation: FakeFencingOperation, options: FencingCallOptions): Deadline {
    this.calls.push({ operation, timeoutMs: options.timeoutMs });
    return new Deadline(options.timeoutMs, options.signal);
  }

  private async misbehave(operation: FakeFencingOperation, deadline: Deadline): Promise<void> {
    const fail = this.behaviour.failWith;
    if (fail && (!fail.operations || fail.operations.includes(operation))) {
      throw new VigilError(fail.code, `fake fencing ${operation} told to fail with ${fail.code}`);
    }
    if (this.behaviour.hang) {
      // timers may fire a millisecond early by Date.now(): sleep until the budget is really spent
      while (!deadline.expired) await deadline.sleep(deadline.remainingMs());
      deadline.check(`fake fencing ${operation} (hanging)`);
    }
  }
}
