import { type Logger } from 'pino';

/**
 * The contract every fencing backend honours. A host counts as fenced only after its power state was
 * READ BACK as off; the off command's own reply never counts (a BMC may accept the request and leave
 * the host running). Callers must treat every rejection as "fencing not confirmed".
 */
export type PowerState = 'on' | 'off';

export type FencingDriverKind = 'fence-agent' | 'ipmitool' | 'redfish' | 'fake';

export interface FencingCallOptions {
  /** Hard budget for the whole call, in ms, including the read-back polls. */
  timeoutMs: number;
  /** Aborting rejects the call with TIMEOUT and kills any child process it started. */
  signal?: AbortSignal;
}

export interface PowerActionResult {
  /** The state read back from the BMC after the action (or before it, when nothing was sent). */
  readonly state: PowerState;
  /** False when the host was already in the wanted state, so no command was sent. */
  readonly commandSent: boolean;
  readonly elapsedMs: number;
}

export interface FencingDriver {
  readonly kind: FencingDriverKind;
  /** Rejects with BMC_UNREACHABLE, AUTH_FAILED, TIMEOUT, UNAVAILABLE (BMC error) or BAD_RESPONSE. */
  status(options: FencingCallOptions): Promise<PowerState>;
  /**
   * Resolves only once the state reads back `off`. An already-off host resolves without a command.
   * Rejects with POWER_OFF_UNVERIFIED when the command went out but `off` was never read back in time.
   */
  powerOff(options: FencingCallOptions): Promise<PowerActionResult>;
  /** Resolves once the state reads back `on`; rejects with TIMEOUT when it does not in time. */
  powerOn(options: FencingCallOptions): Promise<PowerActionResult>;
}

/** What a driver reports about a child process it started, so tests (and audits) can inspect argv. */
export interface SpawnedProcessInfo {
  readonly pid: number;
  readonly argv: readonly string[];
}

export type SpawnObserver = (info: SpawnedProcessInfo) => void;

export interface DriverDeps {
  logger?: Logger;
  /** Told about every child process (pid and argv), e.g. for tests asserting no secret in argv. */
  spawnObserver?: SpawnObserver;
}
