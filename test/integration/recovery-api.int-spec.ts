import { type INestApplication, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { controllerConfigSchema } from '@vigil/config';
import { ErrorCode } from '@vigil/contracts';
import { FakeFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import { AuthGuard, NoAuthValidator } from '../../apps/controller/src/api/auth';
import { ErrorFilter } from '../../apps/controller/src/api/error.filter';
import { PlatformModule } from '../../apps/controller/src/app.module';
import { RedisConnection } from '../../apps/controller/src/platform/redis-connection';
import {
  COMPUTE_API,
  FENCING_TOKEN_SOURCE,
  HOST_FENCER,
  HOST_HEALTH,
  OUTSIDE_REPORT_JUDGE,
  INCIDENT_LEDGER,
  SEGMENT_DIRECTORY,
} from '../../apps/controller/src/recovery/ports';
import { RecoveryLifecycle } from '../../apps/controller/src/recovery/recovery-lifecycle';
import { RecoveryModule } from '../../apps/controller/src/recovery/recovery.module';
import { EventsModule } from '../../apps/controller/src/events/events.module';
import { HealthModule } from '../../apps/controller/src/health/health.module';
import { InventoryModule } from '../../apps/controller/src/inventory';
import {
  KEY_PREFIX,
  type KillableCompute,
  startHarness,
  testRecoveryConfig,
  type RecoveryHarness,
} from './recovery-support/harness';

// The operator routes through a real Nest app with RecoveryModule wired to the ports by DI.
describe('recovery: operator routes under /vigil/v1', () => {
  let h: RecoveryHarness;
  let app: INestApplication;
  let redis: RedisConnection;
  let compute: KillableCompute;
  let base: string;

  beforeAll(async () => {
    h = await startHarness();
    const wired = h.ports();
    compute = wired.compute;
    const config = controllerConfigSchema.parse({
      auth: { strategy: 'noauth' },
      redis: { url: h.redis.url, password: h.redis.password, keyPrefix: KEY_PREFIX },
      recovery: testRecoveryConfig({ errorRetryDelayMs: 60_000, incidentConcurrency: 1 }),
    });
    redis = await RedisConnection.open(config, h.logger);
    const p = wired.ports;
    const providers = [
      { provide: COMPUTE_API, useValue: p.compute },
      { provide: HOST_FENCER, useValue: p.fencer },
      { provide: INCIDENT_LEDGER, useValue: p.ledger },
      { provide: SEGMENT_DIRECTORY, useValue: p.directory },
      { provide: FENCING_TOKEN_SOURCE, useValue: p.tokens },
      { provide: HOST_HEALTH, useValue: p.health },
      // Outside notifications are orders here, as in Masakari (detection's judge is not under test).
      {
        provide: OUTSIDE_REPORT_JUDGE,
        useValue: {
          contextFor: () =>
            Promise.resolve({ liveness: { kind: 'not-alive' }, outsideNotifications: 'order' }),
          noteIgnored: () => Promise.resolve(),
        },
      },
    ];
    @Global()
    @Module({ providers, exports: providers.map((x) => x.provide) })
    class PortsModule {}
    @Module({
      imports: [
        PlatformModule.forRoot({ config, logger: h.logger, redis, tokenValidator: new NoAuthValidator() }),
        HealthModule,
        EventsModule,
        RecoveryModule.forRoot((role) => redis.client(role), { imports: [PortsModule, InventoryModule] }),
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useFactory: () => new ErrorFilter(h.logger) },
      ],
    })
    class TestRoot {}
    app = await NestFactory.create(TestRoot, { logger: false });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    base = `${await app.getUrl()}/vigil/v1`.replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    await redis.close();
    await h.stop();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function submit(host: string): Promise<string> {
    h.os.nova.model.setAlive(host, false);
    const id = await h.notify(host, { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await app.get(RecoveryLifecycle).submit(id);
    return id;
  }

  const statusOf = async (id: string): Promise<string | undefined> =>
    (await h.inventory.getNotification(id))?.status;

  it('dry-run shows fence, targets and blockers and touches nothing', async () => {
    await h.segment('reserved_host', [{ name: 'dr-01' }, { name: 'dr-spare', reserved: true }]);
    h.os.nova.model.addServer({ host: 'dr-01', name: 'dr-a' });
    h.os.nova.model.addServer({ host: 'dr-01', name: 'dr-b', metadata: { 'octavia:amphora': 'true' } });
    const writes = (): number => h.os.nova.requests.filter((r) => !r.route.startsWith('GET')).length;
    const writesBefore = writes();
    const res = await call('POST', '/recovery/dry-run', { host: 'dr-01' });
    expect(res.status).toBe(200);
    const dry = res.body['dry_run'] as {
      fence: { configured: boolean };
      plan: { moves: { instanceName: string; target: unknown }[]; skipped: { reason: string }[] };
      blockers: string[];
    };
    expect(dry.fence.configured).toBe(false);
    expect(dry.blockers.join()).toContain('no fencing configured');
    expect(dry.plan.moves).toEqual([
      expect.objectContaining({ instanceName: 'dr-a', target: { kind: 'host', host: 'dr-spare' } }),
    ]);
    expect(dry.plan.skipped[0]?.reason).toContain('octavia:amphora');
    expect(writes()).toBe(writesBefore);
    expect(h.os.nova.model.host('dr-spare')?.status).toBe('disabled');
    expect((await call('POST', '/recovery/dry-run', { host: 'nope' })).status).toBe(404);
    expect((await call('POST', '/recovery/dry-run', { host: 'bad host!' })).status).toBe(400);
  });

  it('incident detail, confirm-fenced (audited) and retry rules', async () => {
    await h.segment('auto', [{ name: 'op-01' }, { name: 'op-02' }]);
    h.fencers.set(
      'op-01',
      (() => {
        const bmc = new FakeFencingDriver('on');
        bmc.behave({ failWith: { code: ErrorCode.AUTH_FAILED } });
        return bmc;
      })(),
    );
    const vm = h.os.nova.model.addServer({ host: 'op-01', name: 'op-vm' });
    const id = await submit('op-01');
    await waitFor(async () => (await statusOf(id)) === 'error', { what: 'fence error' });
    const detail = await call('GET', `/incidents/${id}`);
    expect(detail.status).toBe(200);
    const incident = detail.body['incident'] as {
      status: string;
      reason: string;
      timeline: { message: string }[];
    };
    expect(incident.status).toBe('error');
    expect(incident.reason).toContain('fencing failed');
    // AUTH_FAILED is not retried: one power-off attempt only.
    expect(h.fencers.get('op-01')?.calls.filter((c) => c.operation === 'powerOff')).toHaveLength(1);

    expect((await call('POST', `/incidents/${id}/confirm-fenced`, {})).status).toBe(400);
    const confirmed = await call('POST', `/incidents/${id}/confirm-fenced`, {
      reason: 'host unplugged by DC ops',
    });
    expect(confirmed.status).toBe(202);
    await waitFor(async () => (await statusOf(id)) === 'finished', {
      what: 'finished after confirm',
      timeoutMs: 20_000,
    });
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
    const after = (await call('GET', `/incidents/${id}`)).body['incident'] as {
      vmoves: { status: string }[];
      recovery_workflow_details: unknown[];
    };
    expect(after.vmoves.map((v) => v.status)).toEqual(['succeeded']);
    expect(after.recovery_workflow_details).toHaveLength(4);
    const audit = (await call('GET', '/audit')).body['audit'] as {
      action: string;
      who: string;
      why: string;
    }[];
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'confirm-fenced', who: 'noauth', why: 'host unplugged by DC ops' }),
      ]),
    );
    expect((await call('POST', `/incidents/${id}/retry`, { reason: 'again' })).status).toBe(409);
    expect((await call('GET', '/incidents/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    const reinstate = await call('POST', '/hosts/op-01/reinstate', { reason: 'repaired' });
    expect(reinstate.status).toBe(409);
    expect(JSON.stringify(reinstate.body)).toMatch(/not confirmed powered on/);
  });

  it('abort stops queued moves; the move Nova already accepted is confirmed, not abandoned', async () => {
    await h.segment('auto', [{ name: 'ab-01' }, { name: 'ab-02' }]);
    h.fencers.set('ab-01', new FakeFencingDriver('on'));
    const vms = [0, 1, 2].map((i) => h.os.nova.model.addServer({ host: 'ab-01', name: `ab-${i}` }));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    compute.aroundEvacuate = async (_id, run) => {
      await run();
      await gate;
    };
    const id = await submit('ab-01');
    await waitFor(() => vms.some((v) => h.os.nova.evacuateCalls(v.id) === 1), {
      what: 'first evacuate accepted',
    });
    const aborted = await call('POST', `/incidents/${id}/abort`, { reason: 'wrong host' });
    expect(aborted.status).toBe(202);
    release();
    await waitFor(async () => (await statusOf(id)) === 'failed', {
      what: 'failed after abort',
      timeoutMs: 20_000,
    });
    compute.aroundEvacuate = undefined;
    const total = vms.reduce((n, v) => n + h.os.nova.evacuateCalls(v.id), 0);
    expect(total).toBe(1);
    const vmoves = (await call('GET', `/incidents/${id}`)).body['incident'] as {
      vmoves: { status: string }[];
    };
    expect(vmoves.vmoves.map((v) => v.status).sort()).toEqual(['ignored', 'ignored', 'succeeded']);

    // The operator changes their mind: a retry lifts the abort and moves the other two, once each.
    expect((await call('POST', `/incidents/${id}/retry`, { reason: 'it was the right host' })).status).toBe(
      202,
    );
    await waitFor(async () => (await statusOf(id)) === 'finished', {
      what: 'finished after the retry',
      timeoutMs: 20_000,
    });
    expect(vms.map((v) => h.os.nova.evacuateCalls(v.id))).toEqual([1, 1, 1]);
  });
});
