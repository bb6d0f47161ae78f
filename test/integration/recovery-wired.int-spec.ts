import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import {
  LogCapture,
  startOpenStack,
  startRedis,
  waitFor,
  type OpenStackFixture,
  type RedisFixture,
} from '@vigil/testing';
import { NoAuthValidator } from '../../apps/controller/src/api/auth';
import { PlatformModule } from '../../apps/controller/src/app.module';
import {
  HostFencingService,
  HostService,
  InventoryModule,
  NotificationService,
  SegmentService,
} from '../../apps/controller/src/inventory';
import { LeaderLease } from '../../apps/controller/src/leadership';
import { RedisConnection } from '../../apps/controller/src/platform/redis-connection';
import { RecoveryAdaptersModule } from '../../apps/controller/src/recovery/adapters/recovery-adapters.module';
import { RecoveryModule } from '../../apps/controller/src/recovery/recovery.module';
import { EventsModule } from '../../apps/controller/src/events/events.module';
import { HealthModule } from '../../apps/controller/src/health/health.module';
import { DetectionAdaptersModule } from '../../apps/controller/src/detection/adapters/detection-adapters.module';
import { testRecoveryConfig } from './recovery-support/harness';

// Recovery wired by DI to the real inventory services, the hosts' BMC drivers (fake driver from stored
// settings), the leader lease and NovaClient: a stored notification is recovered end to end.
describe('recovery: wired to the inventory, fencing drivers, leader lease and Nova', () => {
  let redis: RedisFixture;
  let os: OpenStackFixture;
  let connection: RedisConnection;
  let app: INestApplicationContext;
  let dataDir: string;

  beforeAll(async () => {
    redis = await startRedis();
    os = await startOpenStack({ nova: { rebuildDurationMs: 150, hostSwitchDelayMs: 20 } });
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-recovery-'));
    const config = controllerConfigSchema.parse({
      dataDir,
      auth: { strategy: 'noauth' },
      keystone: os.keystoneConfig,
      redis: { url: redis.url, password: redis.password },
      leadership: { leaseTtlMs: 1000, renewIntervalMs: 100 },
      recovery: testRecoveryConfig(),
    });
    const logger = createLogger({ name: 'recovery-wired', level: 'warn', destination: new LogCapture() });
    connection = await RedisConnection.open(config, logger);
    @Module({
      imports: [
        PlatformModule.forRoot({ config, logger, redis: connection, tokenValidator: new NoAuthValidator() }),
        InventoryModule,
        HealthModule,
        EventsModule,
        DetectionAdaptersModule,
        RecoveryModule.forRoot((role) => connection.client(role), { imports: [RecoveryAdaptersModule] }),
      ],
    })
    class WiredRoot {}
    app = await NestFactory.createApplicationContext(WiredRoot, { logger: false });
    app.enableShutdownHooks();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await connection.close();
    await os.stop();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a Masakari notification for a fenced-by-BMC host is recovered through the real inventory', async () => {
    // Leading implies the Redis connections are up (command clients fail fast until then).
    await waitFor(() => app.get(LeaderLease).isLeader, { what: 'leadership' });
    for (const host of ['wc-01', 'wc-02']) os.nova.model.addHost({ host });
    const vms = [0, 1, 2].map((i) =>
      os.nova.model.addServer({ host: 'wc-01', name: `wc-${i}`, vmState: i === 0 ? 'stopped' : 'active' }),
    );
    const segment = await app.get(SegmentService).create({
      name: 'wired',
      recovery_method: 'auto',
      service_type: 'COMPUTE',
      description: null,
      enabled: true,
    });
    const hosts = app.get(HostService);
    const failed = await hosts.create(segment.uuid, {
      name: 'wc-01',
      type: 'COMPUTE',
      control_attributes: 'bmc',
      reserved: false,
      on_maintenance: false,
    });
    await hosts.create(segment.uuid, {
      name: 'wc-02',
      type: 'COMPUTE',
      control_attributes: 'bmc',
      reserved: false,
      on_maintenance: false,
    });
    await app.get(HostFencingService).put(failed.host.uuid, { driver: 'fake', address: 'bmc-wc-01' });
    os.nova.model.setAlive('wc-01', false);

    const notifications = app.get(NotificationService);
    const n = await notifications.create({
      type: 'COMPUTE_HOST',
      hostname: 'wc-01',
      generatedAt: new Date(),
      payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
    });
    await waitFor(async () => (await notifications.get(n.notification_uuid)).status === 'finished', {
      what: 'notification finished',
      timeoutMs: 20_000,
    });
    for (const vm of vms) {
      expect(os.nova.evacuateCalls(vm.id)).toBe(1);
      expect(os.nova.model.server(vm.id)?.host).toBe('wc-02');
    }
    const vmoves = await notifications.vmoves(n.notification_uuid);
    expect(vmoves.map((v) => [v.status, v.dest_host])).toEqual(Array(3).fill(['succeeded', 'wc-02']));
    const details = await notifications.workflowDetails(n.notification_uuid);
    expect(details.map((d) => d.state)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect((await hosts.findByName('wc-01'))?.on_maintenance).toBe(true);
    expect(os.nova.model.host('wc-01')).toMatchObject({ forcedDown: true, status: 'disabled' });
  });
});
