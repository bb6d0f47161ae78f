import { Inject, Injectable } from '@nestjs/common';
import { HostFencingDrivers } from '../../fencing/host-fencing-drivers';
import { type OpenStackClients } from '../../platform/openstack-clients';
import { OPENSTACK } from '../../platform/tokens';
import { type ComputeServiceActions, type EvidenceProbe } from '../ports';

/** Status reads only: detection asks the BMC for its power state but never acts on power. */
const BMC_STATUS_TIMEOUT_MS = 5000;

@Injectable()
export class NovaAndBmcEvidence implements EvidenceProbe {
  constructor(
    @Inject(OPENSTACK) private readonly openstack: OpenStackClients,
    private readonly drivers: HostFencingDrivers,
  ) {}

  async novaServiceState(host: string): Promise<'up' | 'down' | 'unknown'> {
    const nova = this.openstack.nova;
    if (!nova) return 'unknown';
    const service = await nova.findComputeService(host);
    if (service?.state === 'up' || service?.state === 'down') return service.state;
    return 'unknown';
  }

  async bmcPowerState(host: string): Promise<'on' | 'off' | 'unknown'> {
    const driver = await this.drivers.driverFor(host);
    if (!driver) return 'unknown';
    return driver.status({ timeoutMs: BMC_STATUS_TIMEOUT_MS });
  }
}

@Injectable()
export class NovaComputeActions implements ComputeServiceActions {
  constructor(@Inject(OPENSTACK) private readonly openstack: OpenStackClients) {}

  async disableCompute(host: string, reason: string): Promise<void> {
    await this.openstack.requireNova().disableService(host, reason);
  }
}
