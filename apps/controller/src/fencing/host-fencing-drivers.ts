import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { createFencingDriver, type FencingDriver, type FencingTargetInput } from '@vigil/fencing';
import { HostFencingService, type HostFencingSettings, isExecutableOptionKey } from '../inventory';
import { CONFIG, LOGGER } from '../platform/tokens';

/**
 * A host's fencing driver, built from its stored (decrypted) BMC settings. Drivers are cached per
 * settings version so a change through the API takes effect at the next call, and the in-process fake
 * keeps its power state between calls.
 */
@Injectable()
export class HostFencingDrivers {
  private readonly cache = new Map<string, { version: string; driver: FencingDriver }>();

  constructor(
    private readonly settings: HostFencingService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: ControllerConfig,
  ) {}

  /** undefined when the host has no fencing configured. Throws CONFIG_INVALID for unusable settings. */
  async driverFor(host: string): Promise<FencingDriver | undefined> {
    const settings = await this.settings.getFencingSettings(host);
    if (!settings) {
      this.cache.delete(host);
      return undefined;
    }
    const target = toFencingTarget(settings, this.config.fencing);
    const version = createHash('sha256').update(JSON.stringify(target)).digest('hex');
    const cached = this.cache.get(host);
    if (cached?.version === version) return cached.driver;
    const driver = createFencingDriver(target, { logger: this.logger.child({ component: 'fencing', host }) });
    this.cache.set(host, { version, driver });
    return driver;
  }
}

/**
 * Maps Vigil's stored settings onto the fencing lib's target schema. Driver-specific keys (ipmitool's
 * `cipher`, Redfish's `scheme`, `systemPath`, `insecure`, ...) travel in `options`; for fence agents the
 * options are the agent's own stdin options. Program paths come from the controller's config only: one
 * stored before the API refused them is overridden here, never run.
 */
export function toFencingTarget(
  s: HostFencingSettings,
  programs: ControllerConfig['fencing'],
): FencingTargetInput {
  const credentials = { address: s.address, username: s.username ?? '', password: s.password ?? '' };
  switch (s.driver) {
    case 'fence-agent':
      return {
        driver: 'fence-agent',
        agent: s.agent ?? '',
        ...credentials,
        port: s.port,
        options: withoutPrograms(s.options),
      };
    case 'ipmitool':
      return {
        ...s.options,
        driver: 'ipmitool',
        ...credentials,
        ...(s.port ? { port: s.port } : {}),
        ipmitoolPath: programs.ipmitoolPath,
      };
    case 'redfish':
      return {
        ...s.options,
        driver: 'redfish',
        ...credentials,
        ...(s.port ? { port: s.port } : {}),
      };
    case 'fake':
      return { ...s.options, driver: 'fake' };
  }
}

function withoutPrograms(options: HostFencingSettings['options']): HostFencingSettings['options'] {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !isExecutableOptionKey(key)));
}
