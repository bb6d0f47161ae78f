import { type BenchOptions, type BenchResult, writeResult } from './report';
import { LOAD_WORKER_ARG } from './heartbeat-ingest/load-protocol';
import { runLoadWorker } from './heartbeat-ingest/load-worker';
import { heartbeatIngest } from './heartbeat-ingest/heartbeat-ingest.bench';
import { recovery } from './recovery/recovery.bench';
import { mttr } from './mttr/mttr.bench';
import { rackFailure } from './rack-failure/rack-failure.bench';
import { storm } from './storm/storm.bench';
import { operatorView } from './operator-view/operator-view.bench';
import { hostMonitor } from './host-monitor/host-monitor.bench';
import { pacing } from './pacing/pacing.bench';
import { chaos } from './chaos/chaos.bench';

/** Every benchmark by name; `npm run bench -- <name>` runs one, no name runs all in this order. */
const BENCHMARKS: Record<string, (options: BenchOptions) => Promise<BenchResult>> = {
  'heartbeat-ingest': heartbeatIngest,
  recovery,
  mttr,
  'rack-failure': rackFailure,
  storm,
  'operator-view': operatorView,
  'host-monitor': hostMonitor,
  pacing,
  chaos,
};

const ONLY_WHEN_NAMED = new Set(['chaos']);
/** Switches that take no value. */
const SWITCHES = new Set(['--cpu-prof', '--nest-heartbeat-route']);

async function main(): Promise<void> {
  const { names: requested, args } = parseArgs(process.argv.slice(2));
  const unknown = requested.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}\n`,
    );
    process.exit(2);
  }
  // The soak runs for hours: only when named.
  const names =
    requested.length > 0 ? requested : Object.keys(BENCHMARKS).filter((n) => !ONLY_WHEN_NAMED.has(n));
  const options: BenchOptions = { cpuProfile: process.argv.includes('--cpu-prof'), args };
  let failed = 0;
  for (const name of names) {
    const run = BENCHMARKS[name];
    if (!run) continue;
    process.stdout.write(`${name}: running\n`);
    try {
      const result = await run(options);
      // Profiling slows the controller: such a run explains a bottleneck, its figures are not recorded.
      if (options.cpuProfile) process.stdout.write(`${name} (profiled, not recorded): ${result.summary}\n`);
      else writeResult(result);
    } catch (err) {
      failed += 1;
      process.stderr.write(
        `${name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
  }
  process.exit(failed > 0 ? 1 : 0);
}

/** Names, and `--key value` pairs (a switch with no value, like `--cpu-prof`, is "true"). */
function parseArgs(argv: readonly string[]): { names: string[]; args: Record<string, string> } {
  const names: string[] = [];
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) {
      names.push(a);
      continue;
    }
    const next = argv[i + 1];
    if (!SWITCHES.has(a) && next !== undefined && !next.startsWith('--')) {
      args[a.slice(2)] = next;
      i++;
    } else args[a.slice(2)] = 'true';
  }
  return { names, args };
}

if (process.argv.includes(LOAD_WORKER_ARG)) runLoadWorker();
else void main();
