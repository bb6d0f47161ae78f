import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createLogger } from '@vigil/config';
import { LogCapture, waitFor } from '@vigil/testing';
import { type DemoStack, startDemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { parseScenario } from '../../apps/cloud-sim/src/scenario/scenario';
import { buildUi, launchChromium } from './operator-view-support/browser';
import { ensureBuilt, ROOT } from './support/ensure-built';

const ADMIN = { username: 'oper', password: 'oper-pw-1', project: 'service' };
const VIEWER = { username: 'viewer', password: 'viewer-pw-1', project: 'service' };
/** Long enough for a loaded 2-core machine; these are stall limits, not performance assertions. */
const STALL_MS = 120_000;

// The operator view in a real headless Chromium against the built controller (child process, Keystone
// auth against the sim's Keystone), driving the simulated cloud: what an operator sees and does.
describe('operator view in a real browser', () => {
  let stack: DemoStack;
  let workDir: string;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  const logs = new LogCapture();

  beforeAll(async () => {
    const controllerMainJs = ensureBuilt('controller');
    buildUi();
    workDir = mkdtempSync(join(tmpdir(), 'vigil-operator-view-'));
    const logger = createLogger({ name: 'cloud-sim', level: 'warn', destination: logs });
    stack = await startDemoStack({
      scenario: parseScenario({
        hosts: 8,
        hostsPerRack: 4,
        segments: 2,
        instances: 12,
        timing: { heartbeatIntervalMs: 500 },
        ports: { api: 0 },
      }),
      workDir,
      controllerMainJs,
      logger,
      monitorLogger: logger,
      controllerConfig: { auth: { strategy: 'keystone', tokenCacheTtlMs: 2_000 } },
    });
    stack.sim.openstack.keystone.addUser({
      name: ADMIN.username,
      password: ADMIN.password,
      roles: { service: ['admin'] },
    });
    stack.sim.openstack.keystone.addUser({
      name: VIEWER.username,
      password: VIEWER.password,
      roles: { service: ['member'] },
    });
    browser = await launchChromium();
    admin = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await admin.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function signIn(p: Page, who: typeof ADMIN): Promise<void> {
    await p.goto(`${stack.controllerUrl}/ui/`);
    await p.fill('input[name=username]', who.username);
    await p.fill('input[name=password]', who.password);
    await p.fill('input[name=project]', who.project);
    await p.click('button[type=submit]');
    await p.waitForSelector('[data-testid=who]', { timeout: STALL_MS });
  }

  const hostState = (name: string): Promise<string | null> =>
    page.getAttribute(`[data-testid=host-${name}]`, 'data-state', { timeout: STALL_MS });

  it('serves the page with a strict CSP and keeps the session in an HttpOnly SameSite=Strict cookie', async () => {
    const res = await fetch(`${stack.controllerUrl}/ui/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    // No inline script: the only one has a src.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    // A wrong password is refused with Keystone's answer, and no cookie is set.
    const bad = await fetch(`${stack.controllerUrl}/ui/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ADMIN, password: 'wrong' }),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();

    await signIn(page, ADMIN);
    const cookie = (await admin.cookies()).find((c) => c.name === 'vigil_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('JSON.stringify(localStorage) + JSON.stringify(sessionStorage)')).toBe('{}{}');
    expect(await page.textContent('[data-testid=who]')).toContain('admin');
  });

  it('shows the simulated fleet grouped by segment, every host up with its components and heartbeat', async () => {
    for (const h of stack.sim.plan.hosts)
      await page.waitForSelector(`[data-testid=host-${h.name}][data-state=up]`, { timeout: STALL_MS });
    for (const segment of stack.sim.plan.segments)
      expect(await page.locator(`[data-testid=segment-${segment}] tbody tr`).count()).toBe(
        stack.sim.plan.hosts.filter((h) => h.segment === segment).length,
      );
    const row = await page.textContent(`[data-testid=host-${stack.sim.plan.hosts[0]?.name}]`);
    expect(row).toContain('nova-compute');
    expect(row).toMatch(/\d+s ago/);
    await page.waitForSelector('[data-testid=live]:has-text("Live")', { timeout: STALL_MS });
    await page.screenshot({ path: join(ROOT, 'docs/operator-view-fleet.png'), fullPage: false });
  });

  it('follows a host failure live, without a reload, to a finished incident with every phase on its timeline', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as { noReload: boolean }).noReload = true;
    });
    const victim = stack.sim.plan.hosts.find((h) => !h.reserved)?.name ?? '';
    const res = await fetch(`${stack.simApiUrl}/sim/hosts/${victim}/power-off`, { method: 'POST' });
    expect(res.status).toBe(200);
    await page.waitForSelector(`[data-testid=activity] li[data-host=${victim}][data-to=failed]`, {
      timeout: STALL_MS,
    });
    await page.click(`[data-testid=incident-${victim}]`, { timeout: STALL_MS });
    await page.waitForSelector('[data-testid=detail-status]:has-text("finished")', { timeout: STALL_MS });
    const items = await page.locator('[data-testid=timeline] li').all();
    const steps = await Promise.all(items.map((li) => li.getAttribute('data-step')));
    for (const step of ['detected', 'confirmed', 'intake', 'fence', 'isolate', 'plan', 'evacuate', 'finish'])
      expect(steps).toContain(step);
    const timeline = await page.textContent('[data-testid=timeline]');
    expect(timeline).toMatch(/\+\d+\.\ds/);
    expect(await page.textContent('[data-testid=fence]')).toMatch(/Fenced by/);
    expect(await page.evaluate(() => (globalThis as unknown as { noReload?: boolean }).noReload)).toBe(true);
    // After recovery Masakari's flow leaves the host in maintenance until an operator reinstates it.
    expect(['fenced', 'recovering', 'maintenance']).toContain(await hostState(victim));
    await page.screenshot({ path: join(ROOT, 'docs/operator-view-incident.png'), fullPage: false });
  });

  it('releases a storm guard through the page, after a confirmation that names the hosts', async () => {
    // Two of one segment's four hosts at once: more than its 33 % share, so the guard holds fencing.
    // Hung, BMCs On: hosts whose BMC reads Off are unambiguous and never held by a guard (issue 14).
    const segment = stack.sim.plan.segments[1] ?? '';
    const pair = stack.sim.plan.hosts.filter((h) => h.segment === segment && !h.reserved).slice(0, 2);
    await Promise.all(
      pair.map((h) => fetch(`${stack.simApiUrl}/sim/hosts/${h.name}/kernel-hang`, { method: 'POST' })),
    );
    await page.waitForSelector('[data-testid=release-guard]', { timeout: STALL_MS });
    await page.click('[data-testid=release-guard]');
    const named = await page.textContent('[data-testid=confirm-host]');
    for (const h of pair) expect(named).toContain(h.name);
    expect(await page.isDisabled('[data-testid=confirm-yes]')).toBe(true);
    await page.fill('[data-testid=confirm-reason]', 'both hosts lost power in the rack, checked on site');
    await page.click('[data-testid=confirm-yes]');
    await page.waitForSelector('[data-testid=release-guard]', { state: 'detached', timeout: STALL_MS });
    for (const h of pair)
      await page.waitForSelector(`[data-testid=activity] li[data-host=${h.name}][data-to=failed]`, {
        timeout: STALL_MS,
      });
  });

  it('refuses a state-changing request that carries the session cookie but not the CSRF token', async () => {
    const noToken = await page.request.post(`${stack.controllerUrl}/vigil/v1/storm-guard/release`, {
      data: { reason: 'forged from another page' },
    });
    expect(noToken.status()).toBe(403);
    expect(await noToken.text()).toContain('CSRF');
    const csrf = await page.evaluate(async () => {
      const r = await fetch('/ui/api/session');
      return ((await r.json()) as { session: { csrfToken: string } }).session.csrfToken;
    });
    const withToken = await page.request.post(`${stack.controllerUrl}/vigil/v1/storm-guard/release`, {
      data: { reason: 'nothing engaged any more' },
      headers: { 'X-CSRF-Token': csrf },
    });
    // Through to the route: no guard is engaged now, which the API answers with its own 409.
    expect(withToken.status()).toBe(409);
  });

  it('shows a non-admin no action buttons, and the API refuses its actions', async () => {
    const ctx = await browser.newContext();
    try {
      const viewer = await ctx.newPage();
      await signIn(viewer, VIEWER);
      expect(await viewer.textContent('[data-testid=who]')).toContain('read-only');
      await viewer.waitForSelector('[data-testid=notice]', { timeout: STALL_MS });
      expect(await viewer.textContent('[data-testid=notice]')).toContain("Policy doesn't allow");
      expect(
        await viewer.locator('[data-testid=release-guard], [data-testid^=action-], td.actions').count(),
      ).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('survives a controller restart: the page reconnects and stays signed in, no reload', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as { beforeRestart: boolean }).beforeRestart = true;
    });
    await stack.controller.stop();
    await page.waitForSelector('[data-testid=live]:has-text("Reconnecting")', { timeout: STALL_MS });
    await stack.controller.start(stack.controllerUrl);
    await page.waitForSelector('[data-testid=live]:has-text("Live")', { timeout: STALL_MS });
    expect(
      await page.evaluate(() => (globalThis as unknown as { beforeRestart?: boolean }).beforeRestart),
    ).toBe(true);
    // Still live after the restart: a change made now reaches the page.
    const spare = stack.sim.plan.hosts.find((h) => h.reserved)?.name ?? '';
    await page.waitForSelector(`[data-testid=host-${spare}]`, { timeout: STALL_MS });
    await waitFor(async () => (await page.textContent('[data-testid=who]'))?.includes('admin'), {
      timeoutMs: STALL_MS,
      what: 'the page still signed in',
    });
  });
});
