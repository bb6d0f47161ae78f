import { createLogger } from '@vigil/config';
import { ErrorCode, type VigilError } from '@vigil/contracts';
import { type FencingDriver, type FencingTargetInput, createFencingDriver } from '@vigil/fencing';
import { LogCapture, RedfishFake } from '@vigil/testing';

const CALL = { timeoutMs: 5000 };

describe('RedfishDriver against the Redfish fake', () => {
  let bmc: RedfishFake;
  let logs: LogCapture;

  const driverFor = (
    overrides: Partial<Extract<FencingTargetInput, { driver: 'redfish' }>> = {},
  ): FencingDriver =>
    createFencingDriver(
      {
        driver: 'redfish',
        scheme: 'http',
        address: '127.0.0.1',
        port: bmc.port,
        username: bmc.username,
        password: bmc.password,
        pollIntervalMs: 20,
        ...overrides,
      },
      { logger: createLogger({ name: 'fencing', level: 'debug', destination: logs }) },
    );

  const expectNoSecretLeaks = (...secrets: string[]): void => {
    for (const secret of secrets) {
      expect(logs.text()).not.toContain(secret);
      expect(logs.text()).not.toContain(Buffer.from(`${bmc.username}:${secret}`).toString('base64'));
    }
  };

  beforeEach(async () => {
    bmc = await RedfishFake.start({ password: 'redfishSecret-5' });
    logs = new LogCapture();
  });
  afterEach(async () => {
    await bmc.stop();
  });

  it('powers off with ForceOff and confirms Off by reading PowerState (Basic auth)', async () => {
    const driver = driverFor();
    await expect(driver.powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: true });
    expect(bmc.powerState).toBe('Off');
    expect(bmc.resetRequests()).toEqual(['ForceOff']);
    const afterReset = bmc.requests.slice(
      bmc.requests.findIndex((r) => r.path.endsWith('ComputerSystem.Reset')) + 1,
    );
    expect(afterReset.some((r) => r.method === 'GET' && r.path === bmc.systemPath)).toBe(true);
    expect(bmc.requests.filter((r) => r.path !== '/redfish/v1/').every((r) => r.auth === 'basic')).toBe(true);
    await expect(driver.status(CALL)).resolves.toBe('off');
    await expect(driver.powerOn(CALL)).resolves.toMatchObject({ state: 'on', commandSent: true });
    expect(bmc.resetRequests()).toEqual(['ForceOff', 'On']);
    expect(bmc.powerState).toBe('On');
    expectNoSecretLeaks(bmc.password);
  });

  it('uses a session, sends X-Auth-Token and deletes the session afterwards', async () => {
    const driver = driverFor({ auth: 'session' });
    await expect(driver.powerOff(CALL)).resolves.toMatchObject({ state: 'off' });
    await expect(driver.status(CALL)).resolves.toBe('off');
    expect(bmc.sessionsCreated).toBe(2);
    expect(bmc.sessionsDeleted).toBe(2);
    expect(bmc.activeSessions).toBe(0);
    const afterLogin = bmc.requests.filter(
      (r) => r.path !== '/redfish/v1/' && r.path !== '/redfish/v1/SessionService/Sessions',
    );
    expect(afterLogin.map((r) => r.auth)).toEqual(afterLogin.map(() => 'session'));
    expectNoSecretLeaks(bmc.password);
  });

  it('sends no ForceOff when the system is already Off', async () => {
    bmc.powerState = 'Off';
    await expect(driverFor().powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: false });
    expect(bmc.resetRequests()).toEqual([]);
  });

  it('keeps polling through PoweringOff and accepts a 202', async () => {
    bmc.knobs.poweringOffReads = 3;
    bmc.knobs.resetStatus = 202;
    await expect(driverFor().powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: true });
    const systemReads = bmc.requests.filter((r) => r.method === 'GET' && r.path === bmc.systemPath);
    // one read before the reset, three PoweringOff, then Off
    expect(systemReads).toHaveLength(5);
    expect(bmc.powerState).toBe('Off');
  });

  it('reports POWER_OFF_UNVERIFIED when the BMC accepts ForceOff but stays On, and still logs out', async () => {
    bmc.knobs.lieOnForceOff = true;
    const err = (await driverFor({ auth: 'session' })
      .powerOff({ timeoutMs: 600 })
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.POWER_OFF_UNVERIFIED);
    expect(bmc.resetRequests()).toEqual(['ForceOff']);
    expect(bmc.powerState).toBe('On');
    expect(bmc.activeSessions).toBe(0);
  });

  it.each([
    ['Basic', 'basic'],
    ['session', 'session'],
  ] as const)('maps wrong credentials (%s) to AUTH_FAILED and switches nothing', async (_name, auth) => {
    const err = (await driverFor({ auth, password: 'notTheRedfishPw' })
      .powerOff(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.AUTH_FAILED);
    expect(err.message).not.toContain('notTheRedfishPw');
    expect(bmc.resetRequests()).toEqual([]);
    expectNoSecretLeaks('notTheRedfishPw', bmc.password);
  });

  it('maps a 503 to UNAVAILABLE', async () => {
    bmc.knobs.fail5xxNext = 10;
    const err = (await driverFor()
      .status(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
    expect(err.details).toMatchObject({ status: 503 });
  });

  it('maps a closed port to BMC_UNREACHABLE', async () => {
    const driver = driverFor();
    await bmc.stop();
    const err = (await driver.status(CALL).catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.BMC_UNREACHABLE);
    bmc = await RedfishFake.start(); // for afterEach
  });

  it('maps a malformed system body to BAD_RESPONSE', async () => {
    bmc.powerState = 'Sideways' as 'On';
    const err = (await driverFor()
      .status(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.BAD_RESPONSE);
  });
});

describe('RedfishDriver over HTTPS', () => {
  let bmc: RedfishFake;

  beforeAll(async () => {
    bmc = await RedfishFake.start({ tls: true });
  });
  afterAll(async () => {
    await bmc.stop();
  });

  const target = (
    extra: Partial<Extract<FencingTargetInput, { driver: 'redfish' }>>,
  ): FencingTargetInput => ({
    driver: 'redfish',
    address: '127.0.0.1',
    port: bmc.port,
    username: bmc.username,
    password: bmc.password,
    ...extra,
  });

  it('verifies the certificate by default and rejects a self-signed one', async () => {
    const err = (await createFencingDriver(target({}))
      .status(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.AUTH_FAILED);
    expect(bmc.requests).toHaveLength(0);
  });

  it('trusts a per-host CA', async () => {
    await expect(createFencingDriver(target({ caPem: bmc.caPem })).status(CALL)).resolves.toBe('on');
  });

  it('skips verification only when told insecure', async () => {
    await expect(createFencingDriver(target({ insecure: true })).status(CALL)).resolves.toBe('on');
  });
});
