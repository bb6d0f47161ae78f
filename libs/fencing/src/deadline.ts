import { ErrorCode, VigilError } from '@vigil/contracts';

/** One budget shared by every step of a fencing call, so retries and polls can never outlive it. */
export class Deadline {
  private readonly endsAt: number;
  private readonly startedAt: number;

  constructor(
    readonly timeoutMs: number,
    readonly signal?: AbortSignal,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `fencing timeoutMs must be a positive number, got ${timeoutMs}`,
      );
    }
    this.startedAt = now();
    this.endsAt = this.startedAt + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.now());
  }

  elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  get expired(): boolean {
    return this.remainingMs() === 0 || this.signal?.aborted === true;
  }

  /** Throws TIMEOUT when the budget is spent or the caller aborted. */
  check(what: string): void {
    if (this.signal?.aborted)
      throw new VigilError(ErrorCode.TIMEOUT, `${what}: aborted by caller`, { aborted: true });
    if (this.remainingMs() === 0) {
      throw new VigilError(ErrorCode.TIMEOUT, `${what}: no time left of ${this.timeoutMs} ms`, {
        timeoutMs: this.timeoutMs,
      });
    }
  }

  /** Waits up to `ms` (capped by the budget); returns early when the caller aborts. */
  async sleep(ms: number): Promise<void> {
    const wait = Math.min(ms, this.remainingMs());
    if (wait <= 0 || this.signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
