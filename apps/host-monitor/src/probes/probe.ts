import { type ComponentState } from '@vigil/contracts';

/** What one check found. `unknown` means the check itself could not tell (not installed, no permission). */
export interface ProbeOutcome {
  state: ComponentState;
  reason?: string;
}

export interface Probe {
  /** Short label for reasons and logs, e.g. `systemd:nova-compute`. */
  readonly label: string;
  /** Never rejects: every failure is an outcome. Bounded by the probe's own timeout. */
  check(): Promise<ProbeOutcome>;
}

/** Bounds a check that has no native timeout (a /proc scan on a hung NFS mount, a connect). */
export async function withTimeout(
  work: Promise<ProbeOutcome>,
  timeoutMs: number,
  onTimeout: ProbeOutcome,
): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
