import { type CommandResult, type CommandRunner, excerpt } from '../platform/command-runner';
import { type Probe, type ProbeOutcome } from './probe';

/** Exit 0 within the timeout is ok; a command that cannot start says nothing about the component. */
export function outcomeOfCommand(label: string, result: CommandResult, timeoutMs: number): ProbeOutcome {
  switch (result.kind) {
    case 'exited':
      if (result.exitCode === 0) return { state: 'ok' };
      return {
        state: 'failed',
        reason: `${label} exited ${result.exitCode}: ${excerpt(result.stderr) || excerpt(result.stdout) || 'no output'}`,
      };
    case 'timeout':
      return { state: 'failed', reason: `${label} did not answer within ${timeoutMs} ms` };
    case 'killed':
      return { state: 'failed', reason: `${label} killed by ${result.signal}` };
    case 'spawn-error':
      return { state: 'unknown', reason: `${label} cannot run: ${result.message}` };
  }
}

/** Runs e.g. `virsh -c qemu:///system version` or `ovs-vsctl --timeout=3 show`. */
export class CommandProbe implements Probe {
  readonly label: string;

  constructor(
    private readonly argv: readonly string[],
    private readonly timeoutMs: number,
    private readonly runner: CommandRunner,
  ) {
    this.label = `command:${argv.join(' ')}`;
  }

  async check(): Promise<ProbeOutcome> {
    return outcomeOfCommand(this.label, await this.runner.run(this.argv, this.timeoutMs), this.timeoutMs);
  }
}
