import { createLogger } from '@vigil/config';
import { ErrorCode, type VigilError } from '@vigil/contracts';
import { type FencingDriver, createFencingDriver } from '@vigil/fencing';
import {
  type IpmiSimFixture,
  LogCapture,
  SpawnRecorder,
  findFreeUdpPort,
  startIpmiSim,
  waitFor,
} from '@vigil/testing';

/**
 * fence_ipmilan with its documented stdin options. power_wait=0 and power_timeout=3 keep the suite
 * short; budget per call ≥ 3 × power_timeout + power_wait (docs/fencing.md §4).
 */
const AGENT_OPTIONS = { lanplus: 1, cipher: 3, power_wait: 0, power_timeout: 3 };
const CALL = { timeoutMs: 12_000 };

describe('FenceAgentDriver (fence_ipmilan) against ipmi_sim', () => {
  let sim: IpmiSimFixture;
  let logs: LogCapture;
  let spawns: SpawnRecorder;

  const driverFor = (
    overrides: { password?: string; port?: number; options?: Record<string, number> } = {},
  ): FencingDriver =>
    createFencingDriver(
      {
        driver: 'fence-agent',
        agent: 'fence_ipmilan',
        address: sim.host,
        port: overrides.port ?? sim.port,
        username: sim.user,
        password: overrides.password ?? sim.password,
        options: overrides.options ?? AGENT_OPTIONS,
        pollIntervalMs: 200,
      },
      {
        logger: createLogger({ name: 'fencing', level: 'debug', destination: logs }),
        spawnObserver: spawns.observer,
      },
    );

  const expectNoSecretLeaks = (...secrets: string[]): void => {
    expect(spawns.spawns.length).toBeGreaterThan(0);
    expect(spawns.spawns.some((s) => s.procCmdline !== undefined)).toBe(true);
    for (const spawn of spawns.spawns) {
      // no argv at all: the agent reads everything, password included, from stdin
      expect(spawn.argv).toEqual(['/usr/sbin/fence_ipmilan']);
      expect(spawn.envNames ?? []).not.toContain('PCMK_service');
    }
    for (const secret of secrets) {
      expect(spawns.visibleText()).not.toContain(secret);
      expect(logs.text()).not.toContain(secret);
    }
  };

  beforeAll(async () => {
    sim = await startIpmiSim({ password: 'agentSecret-9' });
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

  it('powers off (status exit 2 read back) and the simulator power file says 0', async () => {
    const driver = driverFor();
    await expect(driver.powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: true });
    expect(await sim.powerState()).toBe('off');
    expect(sim.powerOffRequests()).toBe(1);
    await expect(driver.status(CALL)).resolves.toBe('off');
    // our own status run after the agent's off run is the confirmation
    expect(spawns.spawns.length).toBeGreaterThanOrEqual(3);
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

  it('runs only a status when the host is already off', async () => {
    await sim.setPower('off');
    await expect(driverFor().powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: false });
    expect(sim.powerOffRequests()).toBe(0);
    expect(spawns.spawns).toHaveLength(1);
    expectNoSecretLeaks(sim.password);
  });

  it('maps a wrong password to AUTH_FAILED (BMC answers an RMCP ping)', async () => {
    const err = (await driverFor({ password: 'badAgentPw-1' })
      .powerOff(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.AUTH_FAILED);
    expect(err.message).not.toContain('badAgentPw-1');
    expect(await sim.powerState()).toBe('on');
    expectNoSecretLeaks('badAgentPw-1', sim.password);
  });

  it('maps a stopped simulator to BMC_UNREACHABLE within the call budget', async () => {
    await sim.stop();
    const startedAt = Date.now();
    const err = (await driverFor()
      .status(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.BMC_UNREACHABLE);
    expect(Date.now() - startedAt).toBeLessThan(CALL.timeoutMs + 2000);
    expectNoSecretLeaks(sim.password);
  });

  it('kills the whole agent process group at the outer timeout', async () => {
    const emptyPort = await findFreeUdpPort();
    const driver = driverFor({ port: emptyPort, options: { ...AGENT_OPTIONS, power_timeout: 20 } });
    const startedAt = Date.now();
    const err = (await driver.status({ timeoutMs: 1500 }).catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.TIMEOUT);
    expect(Date.now() - startedAt).toBeLessThan(1500 + 2000);
    // the agent and the ipmitool it started share the group; killed members may linger as zombies until reaped
    const pgid = spawns.spawns[0]?.pid ?? 0;
    await waitFor(() => !groupAlive(pgid), { timeoutMs: 3000, what: `process group ${pgid} to be gone` });
    expect(groupAlive(pgid)).toBe(false);
  });

  it('maps a BMC error (fail file) to UNAVAILABLE and sends no off', async () => {
    sim.fail(true);
    const err = (await driverFor()
      .powerOff(CALL)
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
    expect(err.message).toContain('Unable to obtain correct plug status');
    expect(sim.powerOffRequests()).toBe(0);
    expectNoSecretLeaks(sim.password);
  });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
