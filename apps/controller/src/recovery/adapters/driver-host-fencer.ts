import { ErrorCode, isVigilError, VigilError } from '@vigil/contracts';
import { type FencingDriver } from '@vigil/fencing';
import { type HostFencer, type PowerState } from '../ports';

/** Looks up a host's fencing driver (built from its stored BMC settings); undefined = no BMC configured. */
export type FencingDriverLookup = (host: string) => Promise<FencingDriver | undefined>;

/** How one power-off-and-verify attempt ended, and how long it took (`vigil_fencing_*`). */
export type FencingAttemptRecorder = (
  result: 'success' | 'failure' | 'timeout' | 'unverified',
  seconds: number,
) => void;

/**
 * Recovery's HostFencer over the fencing drivers: "fenced" only once the BMC read back off. Every
 * power-off attempt is recorded with its outcome and duration.
 */
export class DriverHostFencer implements HostFencer {
  constructor(
    private readonly driverFor: FencingDriverLookup,
    private readonly record: FencingAttemptRecorder,
  ) {}

  async hasFencing(host: string): Promise<boolean> {
    return (await this.driverFor(host)) !== undefined;
  }

  async powerOffVerified(host: string, timeoutMs: number): Promise<void> {
    const driver = await this.require(host);
    const startedAt = performance.now();
    const seconds = (): number => (performance.now() - startedAt) / 1000;
    let state: PowerState;
    try {
      state = (await driver.powerOff({ timeoutMs })).state;
    } catch (err) {
      this.record(isVigilError(err) && err.code === ErrorCode.TIMEOUT ? 'timeout' : 'failure', seconds());
      throw err;
    }
    if (state !== 'off') {
      this.record('unverified', seconds());
      throw new VigilError(ErrorCode.POWER_OFF_UNVERIFIED, `power-off of ${host} was not read back as off`);
    }
    this.record('success', seconds());
  }

  async powerState(host: string, timeoutMs: number): Promise<PowerState> {
    return (await this.require(host)).status({ timeoutMs });
  }

  private async require(host: string): Promise<FencingDriver> {
    const driver = await this.driverFor(host);
    if (!driver) throw new VigilError(ErrorCode.CONFIG_INVALID, `no fencing configured for ${host}`);
    return driver;
  }
}
