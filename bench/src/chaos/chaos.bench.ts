import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ChaosSoak,
  SOAK_CONTROLLER_OVERRIDES,
  type RoundRecord,
} from '../../../test/integration/chaos-support/chaos-soak';
import { ChaosStack } from '../../../test/integration/chaos-support/chaos-stack';
import { type BenchOptions, type BenchResult } from '../report';

const DEFAULT_ROUNDS = 1000;
const DEFAULT_MINUTES = 120;
const DEFAULT_SEED = 20261206;
const SEEDS_DIR = join(process.cwd(), 'bench/results/chaos-seeds');

/**
 * The chaos soak as a benchmark: two controller replicas on one Redis over the cloud-sim, `--rounds N`
 * rounds (default 1000) or `--minutes M` (default 120), whichever ends first; `--seed S` for the run,
 * `--replay a,b,c` to replay round seeds. Each failing round is written to bench/results/chaos-seeds/.
 */
export async function chaos(options: BenchOptions): Promise<BenchResult> {
  const rounds = Number(options.args.rounds ?? DEFAULT_ROUNDS);
  const minutes = Number(options.args.minutes ?? DEFAULT_MINUTES);
  const runSeed = Number(options.args.seed ?? DEFAULT_SEED);
  const replay = options.args.replay?.split(',').map(Number);
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-chaos-'));
  const stack = new ChaosStack(workDir, resolve('dist/apps/controller/main.js'), SOAK_CONTROLLER_OVERRIDES);
  let kept = false;
  try {
    await stack.start();
    const soak = new ChaosSoak(stack);
    const summary = await soak.run({
      runSeed,
      rounds,
      roundSeeds: replay,
      deadlineMs: Date.now() + minutes * 60_000,
      log: (line) => process.stdout.write(`  ${line}\n`),
      onFailingRound: (record) => writeSeed(runSeed, record),
    });
    kept = summary.violations.length > 0;
    const perRound = summary.roundsRun > 0 ? Math.round(summary.wallMs / summary.roundsRun) : 0;
    return {
      name: 'chaos',
      parameters: {
        runSeed,
        roundsRequested: rounds,
        minutes,
        replay: replay ?? null,
        cloud:
          'cloud-sim 12 hosts (2 racks of 6, 1 auto segment), 30 instances, rebuild 1.5 s, Nova API latency 20 ms',
        controller:
          'two replicas (child processes) on one redis-server (AOF), leader lease 1.5 s, heartbeat timeout 1.5 s, jobLockMs 3 s, errorRetryDelayMs 2 s; fencing 3 s × 2 attempts; probation 0 (repaired hosts return via reinstate)',
        round:
          'one event (power-off, kernel-hang, double power-off in two racks, power-off with a slow / hung BMC, kernel-hang with an act-then-hang BMC, blip of heartbeats to the controller / to controller and peers) + one disruption (none, leader SIGKILL, leader SIGTERM, Redis restart, Nova 5xx, Nova acts then answers 500, a healthy monitor restarted) at a random moment; then quiescence (≤ 60 s) and the invariants from the sim’s power log, Nova’s migrations and the BMC access log',
      },
      figures: {
        ...summary,
        msPerRound: perRound,
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      },
      summary:
        `${summary.roundsRun}/${summary.roundsRequested} rounds in ${Math.round(summary.wallMs / 1000)} s (${perRound} ms/round, stopped by ${summary.stoppedBy}), ` +
        `${summary.incidents} incidents, ${summary.evacuations} evacuations, ${summary.violations.length} violation(s), ${summary.roundsNotQuiescent} round(s) not quiescent`,
    };
  } finally {
    await stack.stop();
    if (!kept) rmSync(workDir, { recursive: true, force: true });
    else process.stdout.write(`chaos: work dir kept: ${workDir}\n`);
  }
}

function writeSeed(runSeed: number, record: RoundRecord): void {
  mkdirSync(SEEDS_DIR, { recursive: true });
  const file = join(SEEDS_DIR, `${record.plan.roundSeed}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { runSeed, ...record, replay: `npm run bench -- chaos --replay ${record.plan.roundSeed}` },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`  failing round written: ${file}\n`);
}
