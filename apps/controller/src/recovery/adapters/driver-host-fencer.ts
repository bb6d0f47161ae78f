import { ErrorCode, VigilError } from '@vigil/contracts';
import { type FencingDriver } from '@vigil/fencing';
import { type HostFencer, type PowerState } from '../ports';

/** Looks up a host's fencing driver (built from its stored BMC settings); undefined = no BMC configured. */
export type FencingDriverLookup = (host: string) => Promise<FencingDriver | undefined>;

/** Recovery's HostFencer over the fencing drivers: "fenced" only once the BMC read back off. */
export class DriverHostFencer implements HostFencer {
  constructor(private readonly driverFor: FencingDriverLookup) {}

  async hasFencing(host: string): Promise<boolean> {
    return (await this.driverFor(host)) !== undefined;
  }

  async powerOffVerified(host: string, timeoutMs: number): Promise<void> {
    const driver = await this.require(host);
    const result = await driver.powerOff({ timeoutMs });
    if (result.state !== 'off')
      throw new VigilError(ErrorCode.POWER_OFF_UNVERIFIED, `power-off of ${host} was not read back as off`);
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
