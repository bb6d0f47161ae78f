import { join, resolve } from 'node:path';
import { createLogger } from '@vigil/config';
import { allHostsUp, startSimulatedCloud } from '../../../test/integration/cloud-sim-support/simulated-cloud';
import { buildUi, CHROMIUM, launchChromium } from '../../../test/integration/operator-view-support/browser';
import { type BenchResult } from '../report';

const HOSTS = 1000;
const RUNS = 5;

interface PageRun {
  /** Navigation start to the first contentful paint, ms. */
  firstPaintMs: number;
  /** Navigation start to all 1,000 rows rendered (the page's `vigil:fleet-rendered` mark), ms. */
  allHostsMs: number;
  /** Bytes over the wire for the page (HTML, script, stylesheet) and the fleet read. */
  pageBytes: number;
  fleetBytes: number;
  /** Choosing a state filter until the table shows only those hosts, ms. */
  filterMs: number;
}

/**
 * The operator view with a 1,000-host fleet: the built controller (noauth, embedded Redis) with cloud-sim's
 * 1,000 monitors heartbeating, Debian's headless Chromium. Each run is a fresh browser context (cold cache).
 */
export async function operatorView(): Promise<BenchResult> {
  // `npm run bench` runs from the repository root (as the other benchmarks assume).
  const root = resolve('.');
  buildUi(root);
  const cloud = await startSimulatedCloud({
    scenario: {
      hosts: HOSTS,
      hostsPerRack: 20,
      segments: 10,
      instances: 2000,
      timing: { heartbeatIntervalMs: 5_000 },
    },
    controllerMainJs: join(root, 'dist/apps/controller/main.js'),
    logger: createLogger({ name: 'bench', level: 'warn' }),
    // 1,000 monitors each warn while the controller starts: only errors.
    monitorLogger: createLogger({ name: 'bench-monitors', level: 'error' }),
    controllerConfig: { detection: { heartbeatTimeoutMs: 20_000 } },
  });
  const stack = cloud.stack;
  const browser = await launchChromium();
  const runs: PageRun[] = [];
  try {
    await allHostsUp(stack, 300_000);
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      // Sign in once through the API of the page (noauth: any token), then measure a cold load.
      const signIn = await context.request.post(`${stack.controllerUrl}/ui/api/session`, {
        data: { token: 'bench' },
      });
      if (!signIn.ok()) throw new Error(`sign-in answered ${signIn.status()}`);
      const page = await context.newPage();
      await page.goto(`${stack.controllerUrl}/ui/`);
      // No string evaluation in the page: its CSP forbids eval, and the bench measures the page as served.
      await page
        .locator('[data-testid^="host-"]')
        .nth(HOSTS - 1)
        .waitFor({ timeout: 120_000 });
      const m = await page.evaluate(() => {
        type Entry = { name: string; startTime: number; transferSize?: number };
        const byType = (t: string): Entry[] => performance.getEntriesByType(t as 'mark');
        const nav = byType('navigation')[0];
        const resources = byType('resource');
        return {
          // Marked by the page once the fleet's rows are on screen (FleetView's first effect).
          allHostsMs: performance.getEntriesByName('vigil:fleet-rendered')[0]?.startTime ?? -1,
          firstPaintMs: byType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? -1,
          page: resources
            .filter((r) => !r.name.includes('/api/'))
            .reduce((n, r) => n + (r.transferSize ?? 0), nav?.transferSize ?? 0),
          fleet: resources.find((r) => r.name.endsWith('/ui/api/fleet'))?.transferSize ?? 0,
        };
      });
      const filterStart = Date.now();
      await page.selectOption('[data-testid=filter-state]', 'up');
      await page.selectOption('[data-testid=filter-state]', '');
      await page
        .locator('[data-testid^="host-"]')
        .nth(HOSTS - 1)
        .waitFor();
      const filterMs = Date.now() - filterStart;
      runs.push({
        firstPaintMs: m.firstPaintMs,
        allHostsMs: m.allHostsMs,
        pageBytes: m.page,
        fleetBytes: m.fleet,
        filterMs,
      });
      await context.close();
    }
  } finally {
    await browser.close();
    await cloud.stop();
  }
  const median = (k: keyof PageRun): number => {
    const v = runs.map((r) => r[k]).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? NaN;
  };
  const summary =
    `${HOSTS} hosts: first contentful paint ${median('firstPaintMs').toFixed(0)} ms, all rows ${median('allHostsMs').toFixed(0)} ms (median of ${RUNS} cold loads), ` +
    `page ${(median('pageBytes') / 1024).toFixed(1)} KiB + fleet read ${(median('fleetBytes') / 1024).toFixed(1)} KiB, state filter round trip ${median('filterMs')} ms`;
  return {
    name: 'operator-view',
    parameters: {
      hosts: HOSTS,
      segments: 10,
      runs: RUNS,
      browser: `${CHROMIUM} headless via playwright-core, fresh context per run`,
      controller:
        'built controller child process, noauth, embedded Redis; cloud-sim monitors heartbeating every 5 s',
    },
    figures: {
      runs,
      medianFirstContentfulPaintMs: median('firstPaintMs'),
      medianAllRowsMs: median('allHostsMs'),
      medianPageBytes: median('pageBytes'),
      medianFleetBytes: median('fleetBytes'),
      medianFilterMs: median('filterMs'),
    },
    summary,
  };
}
