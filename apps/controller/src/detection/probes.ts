import { type NovaServiceReading } from './nova-reports';
import { type EvidenceProbe } from './ports';

/** Probes run a few at a time, so a rack failure does not fire hundreds of BMC sessions at once. */
const PROBE_CONCURRENCY = 16;

export interface SweepProbes {
  bmc: Map<string, 'on' | 'off' | 'unknown'>;
  /** One service list for all hosts; undefined when Nova did not answer in time (or no host is silent). */
  nova?: NovaServiceReading[];
}

/**
 * Reads every silent host's BMC, and Nova's service list once for all of them; a probe that fails
 * or outlives `timeoutMs` answers unknown.
 */
export async function probeAll(
  probe: EvidenceProbe | undefined,
  hosts: readonly string[],
  timeoutMs: number,
): Promise<SweepProbes> {
  const bmc = new Map<string, 'on' | 'off' | 'unknown'>();
  if (!probe || hosts.length === 0) return { bmc };
  const queue = [...hosts];
  const worker = async (): Promise<void> => {
    for (let host = queue.shift(); host !== undefined; host = queue.shift())
      bmc.set(host, await withTimeout(probe.bmcPowerState(host), timeoutMs, 'unknown' as const));
  };
  const [nova] = await Promise.all([
    withTimeout(probe.novaComputeServices(), timeoutMs, undefined),
    ...Array.from({ length: Math.min(PROBE_CONCURRENCY, hosts.length) }, worker),
  ]);
  return nova ? { bmc, nova } : { bmc };
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
