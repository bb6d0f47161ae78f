import { type ComponentProbeConfig, type ProbeSpec } from '@vigil/config';
import { type CommandRunner } from '../platform/command-runner';
import { CommandProbe } from './command-probe';
import { type Probe, type ProbeOutcome } from './probe';
import { ProcessProbe } from './process-probe';
import { UnixSocketProbe } from './socket-probe';
import { SystemdUnitProbe } from './systemd-probe';

export interface ProbeFactoryDeps {
  runner: CommandRunner;
  /** /proc root for process probes; tests may point it elsewhere. */
  procRoot?: string;
}

/** One probe kind → one class. A new kind is a schema variant plus a case here; the switch is exhaustive. */
export function createProbe(spec: ProbeSpec, deps: ProbeFactoryDeps): Probe {
  switch (spec.kind) {
    case 'process':
      return new ProcessProbe(spec.name, spec.timeoutMs, deps.procRoot);
    case 'systemd':
      return new SystemdUnitProbe(spec.unit, spec.timeoutMs, deps.runner);
    case 'socket':
      return new UnixSocketProbe(spec.path, spec.timeoutMs);
    case 'command':
      return new CommandProbe(spec.argv, spec.timeoutMs, deps.runner);
  }
}

/**
 * Folds the checks of one component into its status.
 * `all`: any failed ⇒ failed; else any unknown ⇒ unknown; else ok.
 * `any`: any ok ⇒ ok; else any failed ⇒ failed; else unknown.
 * The reason lists every check that was not ok, so an operator sees why without reading logs.
 */
export function combineOutcomes(require: 'all' | 'any', outcomes: readonly ProbeOutcome[]): ProbeOutcome {
  const has = (s: ProbeOutcome['state']): boolean => outcomes.some((o) => o.state === s);
  const reasons = outcomes
    .filter((o) => o.state !== 'ok')
    .map((o) => o.reason ?? o.state)
    .join('; ');
  let state: ProbeOutcome['state'];
  if (outcomes.length === 0) state = 'unknown';
  else if (require === 'all') state = has('failed') ? 'failed' : has('unknown') ? 'unknown' : 'ok';
  else state = has('ok') ? 'ok' : has('failed') ? 'failed' : 'unknown';
  if (state === 'ok') return { state };
  return { state, reason: reasons || 'no checks configured' };
}

export interface ComponentProbe {
  readonly name: string;
  check(): Promise<ProbeOutcome>;
}

export function buildComponentProbes(
  probes: Record<string, ComponentProbeConfig>,
  deps: ProbeFactoryDeps,
): ComponentProbe[] {
  return Object.entries(probes).map(([name, component]) => {
    const checks = component.checks.map((spec) => createProbe(spec, deps));
    return {
      name,
      check: async () => combineOutcomes(component.require, await Promise.all(checks.map((c) => c.check()))),
    };
  });
}
