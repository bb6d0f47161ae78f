import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { CONFIG, LOGGER } from '../platform/tokens';

/**
 * Answers "does Nova have a nova-compute service on exactly this host name?" (case-sensitive), which
 * Masakari checks before registering or renaming a host.
 */
export interface ComputeHostDirectory {
  hasComputeService(host: string): Promise<boolean>;
}
export const COMPUTE_HOST_DIRECTORY = Symbol('COMPUTE_HOST_DIRECTORY');

/**
 * The default until a Nova-backed directory is wired with `use()`: in noauth development mode (no
 * keystone section) every host is accepted, since there is no Nova to ask; with Keystone configured,
 * hosts are refused rather than registered unchecked.
 */
@Injectable()
export class ConfiguredComputeHostDirectory implements ComputeHostDirectory {
  private delegate: ComputeHostDirectory | undefined;
  private warned = false;

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Replaces the default answer (Nova-backed directory in production, a set in tests). */
  use(directory: ComputeHostDirectory): void {
    this.delegate = directory;
  }

  async hasComputeService(host: string): Promise<boolean> {
    if (this.delegate) return this.delegate.hasComputeService(host);
    if (this.config.keystone === undefined) return true;
    if (!this.warned) {
      this.warned = true;
      this.logger.warn('no Nova compute host directory is wired: host registrations are refused');
    }
    return false;
  }
}

/** A directory backed by a fixed set of names (tests, demos). */
export class StaticComputeHostDirectory implements ComputeHostDirectory {
  constructor(readonly hosts: Set<string>) {}
  hasComputeService(host: string): Promise<boolean> {
    return Promise.resolve(this.hosts.has(host));
  }
}
