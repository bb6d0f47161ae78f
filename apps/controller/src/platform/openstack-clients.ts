import { type ControllerConfig, type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { KeystoneSession, NovaClient, type RequestObserver } from '@vigil/openstack';

/**
 * The controller's one Keystone session and Nova client, shared by auth, inventory checks, detection
 * and recovery. Without a `keystone` section there is no Nova: features that need it fail with a clear
 * UNAVAILABLE instead of guessing.
 */
export class OpenStackClients {
  readonly session: KeystoneSession | undefined;
  readonly nova: NovaClient | undefined;

  /** `observe`: told of every request to Keystone and Nova (the dependency-latency metric). */
  constructor(config: ControllerConfig, logger: Logger, observe?: RequestObserver) {
    if (!config.keystone) return;
    this.session = new KeystoneSession({
      config: config.keystone,
      logger: logger.child({ component: 'keystone' }),
      observe,
    });
    this.nova = new NovaClient({
      session: this.session,
      config: config.nova,
      logger: logger.child({ component: 'nova' }),
      observe,
    });
  }

  requireNova(): NovaClient {
    if (!this.nova)
      throw new VigilError(
        ErrorCode.UNAVAILABLE,
        'Nova is not configured: add a keystone section (authUrl and service credentials) to the controller config.',
      );
    return this.nova;
  }
}
