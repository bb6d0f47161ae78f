import { type NovaServiceReading } from './nova-reports';
import { type EvidenceProbe } from './ports';

/** BMC reads in flight at once, so a rack failure does not fire hundreds of BMC sessions at once. */
const PROBE_CONCURRENCY = 16;

export type BmcReading = 'on' | 'off' | 'unknown';

export interface SweepProbes {
  bmc: Map<string, BmcReading>;
  /** One service list for all hosts; undefined when Nova did not answer in time (or no host is silent). */
  nova?: NovaServiceReading[];
}

/**
 * BMC reads that never hold the sweep longer than `waitMs`: a read still running then (a slow or hung
 * BMC) keeps running in the background, up to `timeoutMs`, and its answer is used by the next sweep.
 * Meanwhile the host reads as its last answer younger than `maxAgeMs`, else unknown. Only one read per
 * host is in flight; at most PROBE_CONCURRENCY in all.
 */
export class BmcReader {
  private readonly inflight = new Map<string, Promise<BmcReading>>();
  private readonly last = new Map<string, { value: BmcReading; atMs: number }>();

  constructor(
    private readonly probe: EvidenceProbe,
    private readonly options: { timeoutMs: number; waitMs: number; maxAgeMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  async readAll(hosts: readonly string[]): Promise<Map<string, BmcReading>> {
    const pending: Promise<BmcReading>[] = [];
    for (const host of hosts) {
      const running = this.inflight.get(host);
      if (running) pending.push(running);
      else if (this.inflight.size < PROBE_CONCURRENCY) pending.push(this.start(host));
    }
    await withTimeout(Promise.all(pending), this.options.waitMs, undefined);
    const readings = new Map<string, BmcReading>();
    const now = this.now();
    for (const host of hosts) {
      const known = this.last.get(host);
      readings.set(host, known && now - known.atMs <= this.options.maxAgeMs ? known.value : 'unknown');
    }
    return readings;
  }

  /** Reads in flight now (for tests and metrics). */
  get inFlight(): number {
    return this.inflight.size;
  }

  private start(host: string): Promise<BmcReading> {
    const read = withTimeout(this.probe.bmcPowerState(host), this.options.timeoutMs, 'unknown' as const).then(
      (value) => {
        this.last.set(host, { value, atMs: this.now() });
        this.inflight.delete(host);
        return value;
      },
    );
    this.inflight.set(host, read);
    return read;
  }
}

/**
 * Reads every silent host's BMC (through `bmc`, never longer than its wait), and Nova's service list
 * once for all of them; a Nova call that fails or outlives `timeoutMs` answers undefined.
 */
export async function probeAll(
  probe: EvidenceProbe | undefined,
  bmc: BmcReader | undefined,
  hosts: readonly string[],
  timeoutMs: number,
): Promise<SweepProbes> {
  if (!probe || !bmc || hosts.length === 0) return { bmc: new Map() };
  const [nova, readings] = await Promise.all([
    withTimeout(probe.novaComputeServices(), timeoutMs, undefined),
    bmc.readAll(hosts),
  ]);
  return nova ? { bmc: readings, nova } : { bmc: readings };
}

async function withTimeout<T, F>(work: Promise<T>, timeoutMs: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeoutMs);
  });
  try {
    return await Promise.race([work.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
