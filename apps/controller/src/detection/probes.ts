import { type ProbeResults } from './model';
import { type EvidenceProbe } from './ports';

/** Probes run a few at a time, so a rack failure does not fire hundreds of BMC sessions at once. */
const PROBE_CONCURRENCY = 16;

/** Asks Nova and the BMC about each host; a probe that fails or outlives `timeoutMs` answers unknown. */
export async function probeAll(
  probe: EvidenceProbe | undefined,
  hosts: readonly string[],
  timeoutMs: number,
): Promise<Map<string, ProbeResults>> {
  const results = new Map<string, ProbeResults>();
  if (!probe) return results;
  const queue = [...hosts];
  const worker = async (): Promise<void> => {
    for (let host = queue.shift(); host !== undefined; host = queue.shift()) {
      const [nova, bmc] = await Promise.all([
        withTimeout(probe.novaServiceState(host), timeoutMs, 'unknown' as const),
        withTimeout(probe.bmcPowerState(host), timeoutMs, 'unknown' as const),
      ]);
      results.set(host, { nova, bmc });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, hosts.length) }, worker));
  return results;
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
