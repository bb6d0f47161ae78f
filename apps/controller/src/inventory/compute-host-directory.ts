import { Inject, Injectable } from '@nestjs/common';
import { type Logger } from '@vigil/config';
import { type OpenStackClients } from '../platform/openstack-clients';
import { LOGGER, OPENSTACK } from '../platform/tokens';

/**
 * Answers "does Nova have a nova-compute service on exactly this host name?" (case-sensitive), which
 * Masakari checks before registering or renaming a host.
 */
export interface ComputeHostDirectory {
  hasComputeService(host: string): Promise<boolean>;
}
export const COMPUTE_HOST_DIRECTORY = Symbol('COMPUTE_HOST_DIRECTORY');

/**
 * Asks Nova when a keystone section is configured (the production case). Without one (noauth development
 * mode) there is no Nova to ask and every host is accepted, with a warning. Tests replace it with `use()`.
 */
@Injectable()
export class ConfiguredComputeHostDirectory implements ComputeHostDirectory {
  private delegate: ComputeHostDirectory | undefined;
  private warned = false;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OPENSTACK) openstack: OpenStackClients,
  ) {
    const nova = openstack.nova;
    if (nova)
      this.delegate = {
        hasComputeService: async (host) => (await nova.findComputeService(host)) !== undefined,
      };
  }

  /** Replaces the default answer (Nova-backed directory in production, a set in tests). */
  use(directory: ComputeHostDirectory): void {
    this.delegate = directory;
  }

  async hasComputeService(host: string): Promise<boolean> {
    if (this.delegate) return this.delegate.hasComputeService(host);
    if (!this.warned) {
      this.warned = true;
      this.logger.warn('no keystone section configured: hosts are registered without checking Nova');
    }
    return true;
  }
}

/** A directory backed by a fixed set of names (tests, demos). */
export class StaticComputeHostDirectory implements ComputeHostDirectory {
  constructor(readonly hosts: Set<string>) {}
  hasComputeService(host: string): Promise<boolean> {
    return Promise.resolve(this.hosts.has(host));
  }
}
