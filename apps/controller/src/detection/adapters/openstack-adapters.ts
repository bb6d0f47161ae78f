import { Inject, Injectable } from '@nestjs/common';
import { HostFencingDrivers } from '../../fencing/host-fencing-drivers';
import { type OpenStackClients } from '../../platform/openstack-clients';
import { OPENSTACK } from '../../platform/tokens';
import { type NovaServiceReading } from '../nova-reports';
import { type FailureDomainSource, type NovaPlacement } from '../failure-domains';
import { type ComputeServiceActions, type EvidenceProbe, type NovaPlacementReader } from '../ports';

/** Status reads only: detection asks the BMC for its power state but never acts on power. */
const BMC_STATUS_TIMEOUT_MS = 5000;

@Injectable()
export class NovaAndBmcEvidence implements EvidenceProbe {
  constructor(
    @Inject(OPENSTACK) private readonly openstack: OpenStackClients,
    private readonly drivers: HostFencingDrivers,
  ) {}

  async novaComputeServices(): Promise<NovaServiceReading[]> {
    const nova = this.openstack.nova;
    if (!nova) return [];
    return (await nova.listComputeServices()).map((s) => ({
      host: s.host,
      ...(s.updatedAt !== undefined ? { updatedAt: s.updatedAt } : {}),
      ...(s.state !== undefined ? { state: s.state } : {}),
      ...(s.forcedDown !== undefined ? { forcedDown: s.forcedDown } : {}),
    }));
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

@Injectable()
export class NovaPlacementFromApi implements NovaPlacementReader {
  constructor(@Inject(OPENSTACK) private readonly openstack: OpenStackClients) {}

  async read(from: FailureDomainSource): Promise<NovaPlacement> {
    const nova = this.openstack.requireNova();
    if (from.source === 'availability-zone')
      return {
        aggregates: [],
        services: (await nova.listComputeServices()).map((s) => ({
          host: s.host,
          ...(s.zone !== undefined ? { zone: s.zone } : {}),
        })),
      };
    return { aggregates: await nova.listAggregates(), services: [] };
  }
}
