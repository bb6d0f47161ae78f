import { createLogger } from '@vigil/config';
import { ErrorCode, type VigilError } from '@vigil/contracts';
import { type FencingDriver, createFencingDriver } from '@vigil/fencing';
import {
  type IpmiSimFixture,
  LogCapture,
  SpawnRecorder,
  findFreeUdpPort,
  startIpmiSim,
} from '@vigil/testing';

/** Generous per-call budget; the unreachable path takes ~2 s (-N 1 -R 1) plus a 1 s presence ping. */
const CALL = { timeoutMs: 8000 };

describe('IpmitoolDriver against ipmi_sim', () => {
  let sim: IpmiSimFixture;
  let logs: LogCapture;
  let spawns: SpawnRecorder;

  const driverFor = (overrides: { password?: string; port?: number } = {}): FencingDriver =>
    createFencingDriver(
      {
        driver: 'ipmitool',
        address: sim.host,
        port: overrides.port ?? sim.port,
        username: sim.user,
        password: overrides.password ?? sim.password,
        pollIntervalMs: 100,
      },
      {
        logger: createLogger({ name: 'fencing', level: 'debug', destination: logs }),
        spawnObserver: spawns.observer,
      },
    );

  const expectNoSecretLeaks = (...secrets: string[]): void => {
    expect(spawns.spawns.length).toBeGreaterThan(0);
    expect(spawns.spawns.some((s) => s.procCmdline !== undefined)).toBe(true);
    for (const secret of secrets) {
      expect(spawns.visibleText()).not.toContain(secret);
      expect(logs.text()).not.toContain(secret);
    }
  };

  beforeAll(async () => {
    sim = await startIpmiSim({ password: 'ipmiSecret-42' });
  });
  afterAll(async () => {
    await sim.dispose();
  });
  beforeEach(async () => {
    logs = new LogCapture();
    spawns = new SpawnRecorder();
    await sim.start();
    sim.fail(false);
    await sim.setPower('on');
    sim.resetCalls();
  });

  it('powers off, confirmed by a status read-back, and the simulator power file says 0', async () => {
    const driver = driverFor();
    await expect(driver.powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: true });
    expect(await sim.powerState()).toBe('off');
    expect(sim.powerOffRequests()).toBe(1);
    // the read-back: at least one status after the off command
    const calls = sim.chassisCalls();
    expect(calls.lastIndexOf('get power')).toBeGreaterThan(calls.indexOf('set power 0'));
    await expect(driver.status(CALL)).resolves.toBe('off');
    expect(spawns.spawns.every((s) => s.argv.includes('-E') && !s.argv.includes('-P'))).toBe(true);
    expectNoSecretLeaks(sim.password);
  });

  it('powers on and reads on back', async () => {
    await sim.setPower('off');
    const driver = driverFor();
    await expect(driver.powerOn(CALL)).resolves.toMatchObject({ state: 'on', commandSent: true });
    expect(await sim.powerState()).toBe('on');
    await expect(driver.status(CALL)).resolves.toBe('on');
    expectNoSecretLeaks(sim.password);
  });

  it('sends no off when the host is already off', async () => {
    await sim.setPower('off');
    await expect(driverFor().powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: false });
    expect(sim.powerOffRequests()).toBe(0);
    expect(sim.chassisCalls()).toEqual(['get power']);
    expectNoSecretLeaks(sim.password);
  });

  it('maps a wrong password to AUTH_FAILED and switches nothing', async () => {
    const err = (await driverFor({ password: 'wrongPass-77' })
      .powerOff(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.AUTH_FAILED);
    expect(await sim.powerState()).toBe('on');
    expect(err.message).not.toContain('wrongPass-77');
    expectNoSecretLeaks('wrongPass-77', sim.password);
  });

  it('maps a stopped simulator to BMC_UNREACHABLE within the call budget', async () => {
    await sim.stop();
    const startedAt = Date.now();
    const err = (await driverFor()
      .status(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.BMC_UNREACHABLE);
    // A bound on the configured budget, not a performance assertion.
    expect(Date.now() - startedAt).toBeLessThan(CALL.timeoutMs + 2000);
    expectNoSecretLeaks(sim.password);
  });

  it('rejects with TIMEOUT when the budget is shorter than ipmitool needs for a dead BMC', async () => {
    const emptyPort = await findFreeUdpPort();
    const startedAt = Date.now();
    const err = (await driverFor({ port: emptyPort })
      .status({ timeoutMs: 700 })
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.TIMEOUT);
    expect(Date.now() - startedAt).toBeLessThan(700 + 2000);
  });

  it('maps a BMC error (chassis control failing) to a coded UNAVAILABLE and sends no off', async () => {
    sim.fail(true);
    const err = (await driverFor()
      .powerOff(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
    expect(err.message).toContain('Unspecified error');
    expect(sim.powerOffRequests()).toBe(0);
    expect(await sim.powerState()).toBe('on');
    expectNoSecretLeaks(sim.password);
  });
});
