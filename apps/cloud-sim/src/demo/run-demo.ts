import { ErrorCode, VigilError } from '@vigil/contracts';
import { waitFor } from '@vigil/testing';
import { type CloudSim } from '../sim/cloud-sim';
import { describeDelivery, sendHostDownAlert } from './demo-alert';
import { type DemoStackOptions, startDemoStack } from './demo-stack';
import { instancesOn, recoveryFacts, watchIncident } from './incident-watch';
import { formatOffset } from './timeline';
import { judgeRecovery } from './verdict';

export interface DemoOptions extends DemoStackOptions {
  /** How long the incident may take before the demo gives up, ms. */
  incidentTimeoutMs: number;
  print: (line: string) => void;
}

export interface DemoRun {
  ok: boolean;
  problems: string[];
  controllerUrl: string;
  simApiUrl: string;
  failedHost: string;
  stop(): Promise<void>;
}

/**
 * The README's demo: a simulated cloud, the real controller, every host monitored; then one host loses
 * power and the incident is printed live until it settles, and judged.
 */
export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const { print } = options;
  const stack = await startDemoStack(options);
  const { sim, api } = stack;
  try {
    const { plan } = sim;
    print(
      `cloud-sim: ${plan.hosts.length} hosts in ${plan.racks.length} racks, ${plan.segments.length} segments ` +
        `(${plan.hosts.filter((h) => h.reserved).length} reserved hosts), ${plan.instances.length} instances`,
    );
    print(`controller: ${stack.controllerUrl} (log ${stack.controller.logFile}), sim API ${stack.simApiUrl}`);
    print(
      `operator view: ${stack.controllerUrl}/ui/ (watch the incident there; noauth demo: sign in with any token)`,
    );
    await waitFor(
      async () => {
        const up = new Set((await api.cluster()).up ?? []);
        return plan.hosts.every((h) => up.has(h.name));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'every host up at the controller' },
    );
    print(`monitors: all ${plan.hosts.length} hosts heartbeating and up at the controller`);

    const victim = pickVictim(sim);
    const planned = instancesOn(sim, victim);
    const t0 = Date.now();
    sim.inject(victim, { kind: 'power-off' });
    print(`${formatOffset(0)}  ${'power loss'.padEnd(10)} ${victim} (${planned.length} instances)`);
    // Alertmanager's HostDown for the victim, once it has been silent for more than a heartbeat interval
    // (evidence from before its last heartbeat would not count).
    const alerted = (async (): Promise<boolean> => {
      await new Promise((resolve) => setTimeout(resolve, 1.5 * sim.scenario.timing.heartbeatIntervalMs));
      const sentAt = Date.now();
      const line = describeDelivery(
        victim,
        await sendHostDownAlert({
          controllerUrl: stack.controllerUrl,
          token: stack.alertToken,
          host: victim,
          startsAtMs: t0,
        }),
      );
      print(`${formatOffset(sentAt - t0)}  ${line.text}`);
      return line.ok;
    })().catch((err: unknown) => {
      print(`           (Alertmanager webhook: ${err instanceof Error ? err.message : String(err)})`);
      return false;
    });
    const notification = await watchIncident({
      api,
      host: victim,
      hostUuid: stack.hostUuids.get(victim),
      t0Ms: t0,
      timeoutMs: options.incidentTimeoutMs,
      print,
    });
    const totalS = ((Date.now() - t0) / 1000).toFixed(2);
    const problems = judgeRecovery(recoveryFacts(sim, victim, planned, notification));
    if (!(await alerted)) problems.push('the Alertmanager alert was not accepted as evidence');
    print(`total: ${totalS} s from power loss to notification ${notification?.status ?? 'not seen'}`);
    print(problems.length === 0 ? 'recovery: correct' : `recovery: WRONG\n  - ${problems.join('\n  - ')}`);
    return {
      ok: problems.length === 0,
      problems,
      controllerUrl: stack.controllerUrl,
      simApiUrl: stack.simApiUrl,
      failedHost: victim,
      stop: () => stack.stop(),
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/** The non-reserved host with the most instances (the most to move). */
function pickVictim(sim: CloudSim): string {
  const counts = new Map<string, number>();
  for (const i of sim.plan.instances) counts.set(i.host, (counts.get(i.host) ?? 0) + 1);
  const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (!best) throw new VigilError(ErrorCode.BAD_REQUEST, 'the scenario has no instances to recover');
  return best[0];
}
