/**
 * Groups requests into batches for one round trip each, Nagle-style: while a batch is in flight the
 * next one fills up, and it leaves as soon as the previous one is answered (or on the next turn of the
 * event loop when nothing is in flight). So a quiet controller answers after one round trip, and a busy
 * one sends fewer, larger batches instead of queueing round trips. At most `maxBatch` items per call.
 */
export class AdmissionBatcher<T, R> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (err: unknown) => void }> = [];
  private inFlight: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly send: (batch: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far is answered. */
  async drained(): Promise<void> {
    while (this.inFlight || this.queue.length > 0 || this.scheduled) {
      if (this.inFlight) await this.inFlight;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.next();
    });
  }

  private next(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.slice(batch.length);
    this.inFlight = this.send(batch.map((b) => b.item))
      .then(
        (results) => batch.forEach((b, i) => b.resolve(results[i] as R)),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.queue.length > 0) this.next();
      });
  }
}
