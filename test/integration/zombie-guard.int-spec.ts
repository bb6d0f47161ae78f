import { readFileSync } from 'node:fs';
import { createFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { controllerCall } from './cloud-sim-support/controller-call';
import { allHostsUp, type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { ensureBuilt } from './support/ensure-built';

const STALL_MS = 60_000;
const MANUAL = { 'ha-test': 'moved-by-hand' };

/**
 * The zombie guard through the production wiring (built controller, cloud-sim's Nova, Redfish BMCs and
 * monitors): a host comes back while an evacuation from it is still running in Nova (one Vigil did not
 * issue: an operator's manual move of an instance excluded from recovery, stalled on a slow
 * destination). Reinstate is refused, naming the migration, until it ends; then the host returns.
 */
describe('zombie guard: a returning host is not re-enabled while an evacuation from it runs', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;

  beforeAll(async () => {
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 4,
        hostsPerRack: 4,
        segments: 1,
        reservedPerSegment: 1,
        instances: 4,
        stoppedPercent: 0,
        timing: { heartbeatIntervalMs: 300, serviceDownTimeMs: 1_500, rebuildMs: 200 },
      },
      controllerMainJs: ensureBuilt('controller'),
      logLevel: 'info',
      controllerConfig: {
        recovery: {
          probationMs: 1_000,
          policy: { exclude: { metadata: MANUAL } },
          // The operator states that this segment's computes resume their guests on boot.
          resumeGuestsStateOnHostBoot: { segments: ['segment-1'] },
        },
      },
    });
    stack = cloud.stack;
    await allHostsUp(stack, STALL_MS);
  }, 300_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  const nova = () => stack.sim.openstack.nova.model;
  const call = controllerCall(() => stack.controllerUrl);
  const healthySince = async (host: string): Promise<number | undefined> =>
    (await call<{ host_state: { healthySince?: number } }>('GET', `/vigil/v1/hosts/${host}/state`)).body
      .host_state.healthySince;

  it('refuses reinstate (409, the migration named) until the evacuation ends, then returns the host', async () => {
    const host = stack.sim.plan.hosts.find((h) => !h.reserved)?.name ?? '';
    const manual = nova().addServer({ host, name: 'moved-by-hand', metadata: MANUAL });
    const hostUuid = stack.hostUuids.get(host);

    // The host fails; Vigil recovers everything but the excluded instance.
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    await waitFor(
      async () => {
        const mine = (await stack.api.notifications()).filter((n) => n.source_host_uuid === hostUuid);
        return mine.length === 1 && mine[0]?.status === 'finished';
      },
      { timeoutMs: STALL_MS, what: `the incident of ${host} finished` },
    );
    expect(nova().server(manual.id)?.host).toBe(host);
    expect(stack.sim.openstack.nova.evacuateCalls(manual.id)).toBe(0);

    // An operator evacuates it by hand; the destination is slow (the rebuild stalls in pre-migrating).
    nova().evacuations.hold(manual.id);
    const migration = nova().evacuate(manual.id);
    // The fake advances on reads: read the migration through the model, not the record alone.
    const status = (): string | undefined => nova().migrations({ instanceUuid: manual.id })[0]?.status;
    await waitFor(() => status() === 'pre-migrating', { what: 'the manual evacuation scheduled' });

    // The host is repaired and powered on: heartbeating and healthy, but its evacuation still runs.
    await createFencingDriver(stack.sim.bmc.fencingTarget(host)).powerOn({ timeoutMs: 10_000 });
    await waitFor(async () => (await healthySince(host)) !== undefined, {
      timeoutMs: STALL_MS,
      what: `${host} healthy again`,
    });
    const refused = await call('POST', `/vigil/v1/hosts/${host}/reinstate`, { reason: 'PSU replaced' });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain(
      `1 evacuation from ${host} still running in Nova: migration ${migration.id} of instance ${manual.id} (pre-migrating to ${migration.destCompute ?? ''})`,
    );
    expect(nova().host(host)).toMatchObject({ forcedDown: true, status: 'disabled' });

    // The evacuation ends (done). Its leftover guest on the source goes when nova-compute restarts there.
    nova().evacuations.release(manual.id);
    await waitFor(() => nova().server(manual.id)?.host !== host, { what: 'the manual evacuation done' });
    expect(status()).toBe('done');
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/components/nova-compute/crash`, { method: 'POST' });
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/components/nova-compute/restart`, { method: 'POST' });
    expect(status()).toBe('completed');
    const accepted = await waitFor(
      async () => {
        const res = await call<{ reinstate: { warnings: string[] } }>(
          'POST',
          `/vigil/v1/hosts/${host}/reinstate`,
          {
            reason: 'PSU replaced',
          },
        );
        return res.status === 202 ? res.body.reinstate : undefined;
      },
      { timeoutMs: STALL_MS, what: `reinstate of ${host} accepted` },
    );
    // The operator said this segment resumes guests on boot: the answer and the log warn.
    expect(accepted.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^resume_guests_state_on_host_boot is on for ${host} \\(stated for segment segment-1 `),
      ),
    ]);
    await waitFor(() => nova().host(host)?.status === 'enabled' && nova().host(host)?.forcedDown === false, {
      timeoutMs: STALL_MS,
      what: `${host} back in service`,
    });
    expect(readFileSync(stack.controller.logFile, 'utf8')).toContain(
      `resume_guests_state_on_host_boot is on for ${host}`,
    );
    // And the incident's timeline keeps it.
    const incidentId = (await stack.api.notifications()).find(
      (n) => n.source_host_uuid === hostUuid,
    )?.notification_uuid;
    const timeline = await waitFor(
      async () => {
        const res = await call<{ incident: { timeline: { step: string; message: string }[] } }>(
          'GET',
          `/vigil/v1/incidents/${incidentId ?? ''}`,
        );
        const t = res.body.incident.timeline;
        return t.some((e) => e.message === `${host} returned to service`) ? t : undefined;
      },
      { timeoutMs: STALL_MS, what: `the incident of ${host} notes the return` },
    );
    expect(timeline).toContainEqual(
      expect.objectContaining({
        step: 'reinstate',
        message: expect.stringMatching(
          new RegExp(`^warning: resume_guests_state_on_host_boot is on for ${host} `),
        ),
      }),
    );
  }, 300_000);
});
