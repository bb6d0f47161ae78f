import { ErrorCode, VigilError } from '@vigil/contracts';
import { FakeFencingDriver } from './fake-fencing-driver';

const CALL = { timeoutMs: 200 };

describe('FakeFencingDriver', () => {
  it('powers off, reads back off and records the call', async () => {
    const driver = new FakeFencingDriver('on');
    await expect(driver.powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: true });
    expect(driver.powerState).toBe('off');
    expect(driver.commandsSent).toEqual(['off']);
    expect(driver.calls).toEqual([{ operation: 'powerOff', timeoutMs: 200 }]);
  });

  it('sends nothing when already off', async () => {
    const driver = new FakeFencingDriver('off');
    await expect(driver.powerOff(CALL)).resolves.toMatchObject({ state: 'off', commandSent: false });
    expect(driver.commandsSent).toEqual([]);
  });

  it('reports POWER_OFF_UNVERIFIED when the BMC lies', async () => {
    const driver = new FakeFencingDriver('on');
    driver.behave({ lieOnPowerOff: true });
    await expect(driver.powerOff({ timeoutMs: 50 })).rejects.toMatchObject({
      code: ErrorCode.POWER_OFF_UNVERIFIED,
    });
    expect(driver.commandsSent).toEqual(['off']);
    expect(driver.powerState).toBe('on');
  });

  it.each([ErrorCode.AUTH_FAILED, ErrorCode.BMC_UNREACHABLE, ErrorCode.UNAVAILABLE])(
    'fails with %s when told',
    async (code) => {
      const driver = new FakeFencingDriver('on');
      driver.behave({ failWith: { code, operations: ['powerOff'] } });
      await expect(driver.powerOff(CALL)).rejects.toMatchObject({ code });
      await expect(driver.status(CALL)).resolves.toBe('on');
      expect(driver.powerState).toBe('on');
    },
  );

  it('hangs until the call budget is spent, then rejects with TIMEOUT', async () => {
    const driver = new FakeFencingDriver('on');
    driver.behave({ hang: true });
    const err: unknown = await driver.status({ timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe(ErrorCode.TIMEOUT);
  });

  it('stops hanging when the caller aborts', async () => {
    const driver = new FakeFencingDriver('on');
    driver.behave({ hang: true });
    const controller = new AbortController();
    const pending = driver.powerOff({ timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.TIMEOUT, details: { aborted: true } });
    expect(driver.commandsSent).toEqual([]);
  });
});
