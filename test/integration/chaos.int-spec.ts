import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './support/ensure-built';
import { type ChaosSummary, ChaosRunner } from './chaos-support/chaos-runner';
import { ChaosStack } from './chaos-support/chaos-stack';

const SEED = Number(process.env.VIGIL_CHAOS_SEED ?? 20261125);
const ROUNDS = 6;

// Two controller replicas on one Redis over the cloud-sim, under seeded chaos: each round a host loses
// power while the leader is SIGKILLed, Redis restarts, Nova answers 5xx or the failing host's BMC
// refuses; the safety invariants must hold after every round.
describe('chaos: host failures under controller, Redis, Nova and BMC faults', () => {
  let workDir: string;
  let stack: ChaosStack | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    const controllerMain = ensureBuilt('controller');
    workDir = mkdtempSync(join(tmpdir(), 'vigil-chaos-'));
    stack = new ChaosStack(workDir, controllerMain);
    await stack.start();
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    if (process.env.VIGIL_TEST_DEBUG) {
      for (const r of stack?.replicas ?? [])
        process.stdout.write(`--- ${r.name} ---\n${readFileSync(r.logFile, 'utf8').slice(-20_000)}\n`);
      process.stdout.write(`work dir kept: ${workDir}\n`);
    } else rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  it(`keeps every invariant over ${ROUNDS} seeded rounds`, async () => {
    const runner = new ChaosRunner(stack!, SEED, (line) => lines.push(line));
    let summary: ChaosSummary | undefined;
    try {
      summary = await runner.run(ROUNDS);
    } finally {
      process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(summary, null, 2)}\n`);
    }
    expect(summary.violations).toEqual([]);
    expect(summary.rounds).toBe(ROUNDS);
    expect(summary.faultsInjected['power-off']).toBe(ROUNDS);
    for (const kind of ['leader-kill', 'redis-restart', 'nova-5xx', 'bmc-refuse'] as const)
      expect(summary.faultsInjected[kind]).toBeGreaterThanOrEqual(1);
    // Every power loss became one incident, and hosts' instances were actually moved.
    expect(summary.incidents).toBe(ROUNDS);
    expect(summary.evacuations).toBeGreaterThan(0);
  }, 300_000);
});
