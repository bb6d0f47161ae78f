import { ErrorCode, VigilError } from '@vigil/contracts';
import { NeutronClient } from '@vigil/openstack';
import { type OpenStackClients } from '../../platform/openstack-clients';
import { type InstanceNetwork } from '../ports';

/** Budget of one Neutron read by the `ports-active` gate, ms (the gate asks again every probe interval). */
const NEUTRON_TIMEOUT_MS = 5_000;

/** Recovery's view of Neutron over the controller's Keystone session (catalog service type `network`). */
export class NeutronInstanceNetwork implements InstanceNetwork {
  constructor(private readonly client: () => NeutronClient) {}

  /** Over the controller's session; throws UNAVAILABLE on use when no `keystone` section is configured. */
  static of(openstack: OpenStackClients): NeutronInstanceNetwork {
    let client: NeutronClient | undefined;
    return new NeutronInstanceNetwork(() => {
      const session = openstack.session;
      if (!session)
        throw new VigilError(
          ErrorCode.UNAVAILABLE,
          'Neutron is not configured: the controller has no keystone section.',
        );
      client ??= new NeutronClient({ session, timeoutMs: NEUTRON_TIMEOUT_MS });
      return client;
    });
  }

  async portStatuses(instanceId: string): Promise<string[]> {
    return (await this.client().portsOfDevice(instanceId)).map((p) => p.status);
  }
}
