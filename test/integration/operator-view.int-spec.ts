import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { waitFor } from '@vigil/testing';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { buildUi, launchChromium } from './operator-view-support/browser';
import { ensureBuilt, ROOT } from './support/ensure-built';

const ADMIN = { username: 'oper', password: 'oper-pw-1', project: 'service' };
const VIEWER = { username: 'viewer', password: 'viewer-pw-1', project: 'service' };
/** cloud-sim names hosts cmp-0001.. in segment order, four a segment here. */
const FAILURE_DOMAINS = {
  'cmp-0001': 'dc1/rack-1',
  'cmp-0002': 'dc1/rack-1',
  'cmp-0003': 'dc1/rack-2',
  'cmp-0004': 'dc1/rack-2',
};
/** Long enough for a loaded 2-core machine; these are stall limits, not performance assertions. */
const STALL_MS = 120_000;

// The operator view in a real headless Chromium against the built controller (child process, Keystone
// auth against the sim's Keystone), driving the simulated cloud: what an operator sees and does.
describe('operator view in a real browser', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    buildUi();
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 8,
        hostsPerRack: 4,
        segments: 2,
        instances: 12,
        timing: { heartbeatIntervalMs: 500 },
      },
      controllerMainJs: ensureBuilt('controller'),
      controllerConfig: {
        auth: { strategy: 'keystone', tokenCacheTtlMs: 2_000 },
        // Reinstate through the page waits out this probation.
        recovery: { probationMs: 1_500 },
        // The first segment's hosts in two racks; the second segment's in none (its pair hangs with
        // BMCs On, which a shared domain would hold as correlated silence).
        detection: { failureDomains: FAILURE_DOMAINS },
      },
    });
    stack = cloud.stack;
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
    await cloud?.stop();
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

  /** The API as the operator, for what the page does not do (set up a fault, read the outcome). */
  const asOperator = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${stack.controllerUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-auth-token': stack.sim.openstack.keystone.issueToken(ADMIN.username, ADMIN.project),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
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
      expect(
        await page.locator(`[data-testid=segment-${segment}] tbody tr[data-testid^=host-]`).count(),
      ).toBe(stack.sim.plan.hosts.filter((h) => h.segment === segment).length);
    // Grouped by failure domain where hosts have one: the first segment by rack, the second not at all.
    const [first, second] = stack.sim.plan.segments;
    for (const [host, domain] of Object.entries(FAILURE_DOMAINS)) {
      expect(stack.sim.plan.hosts.find((h) => h.name === host)?.segment).toBe(first);
      expect(await page.locator(`[data-testid="domain-${domain}"] [data-testid=host-${host}]`).count()).toBe(
        1,
      );
    }
    expect(await page.textContent('[data-testid="domain-dc1/rack-1"] tr.domain')).toContain(
      'Failure domain dc1/rack-1 · 2 hosts',
    );
    expect(await page.locator(`[data-testid=segment-${second}] tr.domain`).count()).toBe(0);
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

  it('pins, then releases a storm guard through the page, each after a confirmation that names the hosts', async () => {
    // Two of one segment's four hosts at once: more than its 33 % share, so the guard holds fencing.
    // Hung, BMCs On: hosts whose BMC reads Off are unambiguous and never held by a guard (issue 14).
    const segment = stack.sim.plan.segments[1] ?? '';
    const pair = stack.sim.plan.hosts.filter((h) => h.segment === segment && !h.reserved).slice(0, 2);
    await Promise.all(
      pair.map((h) => fetch(`${stack.simApiUrl}/sim/hosts/${h.name}/kernel-hang`, { method: 'POST' })),
    );
    await page.waitForSelector('[data-testid=release-guard]', { timeout: STALL_MS });
    // Pinned: it will not release itself while the operator investigates.
    await page.click('[data-testid=pin-guard]');
    const toPin = await page.textContent('[data-testid=confirm-host]');
    for (const h of pair) expect(toPin).toContain(h.name);
    await page.fill('[data-testid=confirm-reason]', 'keep it until the ToR switch is checked');
    await page.click('[data-testid=confirm-yes]');
    await page.waitForSelector('[data-testid=guard-pinned]', { timeout: STALL_MS });
    expect(await page.textContent('[data-testid=guard-pinned]')).toContain(
      'keep it until the ToR switch is checked',
    );
    await page.waitForSelector('[data-testid=unpin-guard]', { timeout: STALL_MS });
    const guards = (await (await asOperator('GET', '/vigil/v1/storm-guard')).json()) as {
      storm_guard: { guards: Array<{ engaged: boolean; pinned?: boolean }> };
    };
    expect(guards.storm_guard.guards.filter((g) => g.engaged)).toEqual([
      expect.objectContaining({ pinned: true }),
    ]);
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

  /** Opens the confirmation of `action`, checks it names `host`, gives the reason if asked, confirms. */
  async function confirmAction(action: string, host: string, reason?: string): Promise<void> {
    await page.click(`[data-testid=${action}]`, { timeout: STALL_MS });
    expect(await page.textContent('[data-testid=confirm-host]')).toBe(host);
    if (reason !== undefined) {
      expect(await page.isDisabled('[data-testid=confirm-yes]')).toBe(true);
      await page.fill('[data-testid=confirm-reason]', reason);
    }
    await page.click('[data-testid=confirm-yes]');
    await page.waitForSelector('[data-testid=confirm]', { state: 'detached', timeout: STALL_MS });
  }
  const victim = (): string => stack.sim.plan.hosts.find((h) => !h.reserved)?.name ?? '';
  const segmentOf = (host: string): string =>
    stack.sim.plan.hosts.find((h) => h.name === host)?.segment ?? '';

  it('puts a host into maintenance and takes it out again, each after a confirmation naming it', async () => {
    const host =
      stack.sim.plan.hosts.find((h) => h.reserved && h.segment === segmentOf(victim()))?.name ?? '';
    await page.waitForSelector(`[data-testid=host-${host}][data-state=up]`, { timeout: STALL_MS });
    await confirmAction(`action-maintenance-${host}`, host);
    await page.waitForSelector(`[data-testid=host-${host}][data-state=maintenance]`, { timeout: STALL_MS });
    expect(await page.textContent(`[data-testid=action-maintenance-${host}]`)).toBe('End maintenance');
    await confirmAction(`action-maintenance-${host}`, host);
    await page.waitForSelector(`[data-testid=host-${host}][data-state=up]`, { timeout: STALL_MS });
  });

  it('reinstates the repaired host of the first incident through the page', async () => {
    const host = victim();
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-on`, { method: 'POST' });
    // Repaired: heartbeating with every component ok while still in maintenance.
    const healthySince = async (): Promise<number | undefined> => {
      const res = await asOperator('GET', `/vigil/v1/hosts/${host}/state`);
      return ((await res.json()) as { host_state: { healthySince?: number } }).host_state.healthySince;
    };
    await waitFor(async () => (await healthySince()) !== undefined, {
      timeoutMs: STALL_MS,
      what: `${host} healthy in maintenance`,
    });
    await confirmAction(`action-reinstate-${host}`, host, 'PSU replaced, checked on site');
    expect(await page.textContent('[data-testid=notice]')).toContain(`Reinstate: done for ${host}`);
    await page.waitForSelector(`[data-testid=host-${host}][data-state=up]`, { timeout: STALL_MS });
    const nova = stack.sim.openstack.nova.model.host(host);
    expect(nova).toMatchObject({ forcedDown: false, status: 'enabled' });
  });

  /** Gives `host` a BMC password its BMC refuses, and powers it off: fencing must fail. */
  async function failUnfenceable(host: string): Promise<void> {
    // More failures in this 4-host segment soon after the first: keep the storm guard out of these tests.
    const segments = (await (await asOperator('GET', '/v1/segments')).json()) as {
      segments: Array<{ uuid: string; name: string }>;
    };
    const segmentUuid = segments.segments.find((s) => s.name === segmentOf(host))?.uuid ?? '';
    const policy = await asOperator('PUT', `/vigil/v1/segments/${segmentUuid}/detection-policy`, {
      detection_policy: { stormGuard: { maxFailedPercent: 100 } },
    });
    expect(policy.status).toBe(200);
    // The first incident used the segment's reserved host; `auto` lets Nova place these instances.
    const method = await asOperator('PUT', `/v1/segments/${segmentUuid}`, {
      segment: { recovery_method: 'auto' },
    });
    expect(method.status).toBe(200);
    const fencing = await asOperator('PUT', `/vigil/v1/hosts/${stack.hostUuids.get(host)}/fencing`, {
      ...stack.sim.bmc.access(host),
      password: 'not-the-bmc-password',
    });
    expect(fencing.status).toBe(200);
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    await page.click(`[data-testid=incident-${host}]`, { timeout: STALL_MS });
    await page.waitForSelector('[data-testid=detail-status]:has-text("error")', { timeout: STALL_MS });
    expect(await page.textContent('[data-testid=incident-error]')).toContain(
      'fencing failed, nothing evacuated',
    );
    for (const a of ['confirm-fenced', 'retry', 'abort'])
      expect(await page.isVisible(`[data-testid=action-${a}]`)).toBe(true);
  }
  const unfenceable = (n: number): string =>
    stack.sim.plan.hosts.filter(
      (h) => !h.reserved && h.segment === segmentOf(victim()) && h.name !== victim(),
    )[n]?.name ?? '';

  it('a host its BMC cannot fence: retry from the page, then confirm it fenced by hand; recovered', async () => {
    const host = unfenceable(0);
    await failUnfenceable(host);
    // Retry with the BMC still refusing: it fails at fencing again (the last automatic round), nothing moved.
    await confirmAction('action-retry', host, 'one more try before going on site');
    await page.waitForSelector('[data-testid=detail-status]:has-text("failed")', { timeout: STALL_MS });
    expect(await page.textContent('[data-testid=incident-error]')).toContain('fencing failed');
    expect(await page.isVisible('[data-testid=action-abort]')).toBe(false);
    for (const s of stack.sim.openstack.nova.model.servers({ host }))
      expect(stack.sim.openstack.nova.evacuateCalls(s.id)).toBe(0);
    // Off by hand (the sim powered it off): confirm it fenced; recovery proceeds to the end.
    await confirmAction('action-confirm-fenced', host, 'pulled both power cords myself');
    await page.waitForSelector('[data-testid=detail-status]:has-text("finished")', { timeout: STALL_MS });
    expect(await page.textContent('[data-testid=fence]')).toMatch(/Fenced by operator/);
    const audit = JSON.stringify(await (await asOperator('GET', '/vigil/v1/audit')).json());
    for (const why of ['one more try before going on site', 'pulled both power cords myself'])
      expect(audit).toContain(why);
  }, 300_000);

  it('a host its BMC cannot fence: abort from the page ends the incident, by the operator', async () => {
    const host = unfenceable(1);
    await failUnfenceable(host);
    await confirmAction('action-abort', host, 'host is being replaced, instances handled by hand');
    await page.waitForSelector('[data-testid=incident-error]:has-text("aborted by an operator")', {
      timeout: STALL_MS,
    });
    expect(await page.textContent('[data-testid=detail-status]')).toBe('failed');
    const audit = JSON.stringify(await (await asOperator('GET', '/vigil/v1/audit')).json());
    expect(audit).toContain('host is being replaced');
  }, 300_000);

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
