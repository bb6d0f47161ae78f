/**
 * Every wait and timestamp of the monitor goes through a Clock, so unit tests drive time instead of sleeping.
 */
export interface Clock {
  /** Wall clock, unix ms: signature timestamps and `checkedAt`. */
  nowMs(): number;
  /** Monotonic ms: heartbeat `monoMs`, durations. */
  monoMs(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monoMs: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};
