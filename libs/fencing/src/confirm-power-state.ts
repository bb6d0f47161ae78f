import { ErrorCode, VigilError, isVigilError } from '@vigil/contracts';
import { type Deadline } from './deadline';
import { type PowerState } from './fencing-driver';

/** A raw reading: drivers that see transitional states (Redfish `PoweringOff`) report them as `transitioning`. */
export type PowerReading = PowerState | 'transitioning';

/** Default pause between read-back polls, in ms. */
export const DEFAULT_POLL_INTERVAL_MS = 500;

/**
 * Polls `read` until it returns `want` or the deadline passes. Transient read failures (unreachable,
 * timeout, BMC error) are retried because a BMC often stops answering for a moment while it switches
 * power; credentials or config problems cannot heal and are rethrown at once.
 * On expiry: POWER_OFF_UNVERIFIED for `off` (the command went out, the result is unknown), TIMEOUT for `on`.
 */
export async function confirmPowerState(
  read: () => Promise<PowerReading>,
  want: PowerState,
  deadline: Deadline,
  pollIntervalMs: number,
): Promise<void> {
  let last: PowerReading | undefined;
  let lastError: unknown;
  for (;;) {
    if (deadline.signal?.aborted) break;
    try {
      last = await read();
      if (last === want) return;
    } catch (err) {
      if (isVigilError(err) && (err.code === ErrorCode.AUTH_FAILED || err.code === ErrorCode.CONFIG_INVALID))
        throw err;
      lastError = err;
    }
    if (deadline.remainingMs() <= pollIntervalMs) break;
    await deadline.sleep(pollIntervalMs);
  }
  const lastErrorText = lastError instanceof Error ? lastError.message : undefined;
  const details = {
    want,
    lastReading: last ?? null,
    lastError: lastErrorText ?? null,
    timeoutMs: deadline.timeoutMs,
  };
  if (want === 'off') {
    throw new VigilError(
      ErrorCode.POWER_OFF_UNVERIFIED,
      `power-off sent but state never read back off (last reading: ${last ?? 'none'})`,
      details,
      { cause: lastError },
    );
  }
  throw new VigilError(
    ErrorCode.TIMEOUT,
    `power-on sent but state never read back on (last reading: ${last ?? 'none'})`,
    details,
    {
      cause: lastError,
    },
  );
}
