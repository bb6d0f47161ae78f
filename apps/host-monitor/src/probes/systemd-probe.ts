import { type CommandResult, type CommandRunner, excerpt } from '../platform/command-runner';
import { type Probe, type ProbeOutcome } from './probe';

/** Maps `systemctl is-active <unit>` to an outcome: only `active` is ok; `activating` is not up yet. */
export function outcomeOfIsActive(unit: string, result: CommandResult, timeoutMs: number): ProbeOutcome {
  switch (result.kind) {
    case 'spawn-error':
      return { state: 'unknown', reason: `systemctl unavailable: ${result.message}` };
    case 'timeout':
      return { state: 'unknown', reason: `systemctl is-active ${unit} timed out after ${timeoutMs} ms` };
    case 'killed':
      return { state: 'unknown', reason: `systemctl is-active ${unit} killed by ${result.signal}` };
    case 'exited': {
      const state = excerpt(result.stdout, 40);
      if (result.exitCode === 0 && state === 'active') return { state: 'ok' };
      // is-active prints the unit's state (inactive, failed, activating, deactivating) even when it exits non-zero.
      if (/^(inactive|failed|activating|deactivating|reloading|maintenance)$/.test(state))
        return { state: 'failed', reason: `unit ${unit} is ${state}` };
      return {
        state: 'unknown',
        reason: `systemctl is-active ${unit} exited ${result.exitCode}: ${state || excerpt(result.stderr)}`,
      };
    }
  }
}

export class SystemdUnitProbe implements Probe {
  readonly label: string;

  constructor(
    private readonly unit: string,
    private readonly timeoutMs: number,
    private readonly runner: CommandRunner,
  ) {
    this.label = `systemd:${unit}`;
  }

  async check(): Promise<ProbeOutcome> {
    const result = await this.runner.run(['systemctl', 'is-active', this.unit], this.timeoutMs);
    return outcomeOfIsActive(this.unit, result, this.timeoutMs);
  }
}
