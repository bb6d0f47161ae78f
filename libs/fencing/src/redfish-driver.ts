import { ErrorCode, VigilError } from '@vigil/contracts';
import { type PowerReading, confirmPowerState } from './confirm-power-state';
import { Deadline } from './deadline';
import {
  type DriverDeps,
  type FencingCallOptions,
  type FencingDriver,
  type PowerActionResult,
  type PowerState,
} from './fencing-driver';
import { type RedfishTarget } from './fencing-target';
import { RedfishHttp } from './redfish-http';
import {
  type ComputerSystem,
  RESET_ACTION,
  computerSystemSchema,
  serviceRootSchema,
  systemCollectionSchema,
} from './redfish-schemas';

const SERVICE_ROOT = '/redfish/v1/';

interface Discovered {
  systemPath: string;
  sessionsPath: string | undefined;
}

/**
 * Redfish power control: service root → Systems → one ComputerSystem, `#ComputerSystem.Reset` with
 * ForceOff / On, then PowerState polled until it reads the wanted state (`PoweringOff` is not off).
 */
export class RedfishDriver implements FencingDriver {
  readonly kind = 'redfish' as const;
  private discovered: Discovered | undefined;

  constructor(
    private readonly target: RedfishTarget,
    private readonly deps: DriverDeps = {},
  ) {}

  async status(options: FencingCallOptions): Promise<PowerState> {
    const deadline = new Deadline(options.timeoutMs, options.signal);
    return this.withClient(deadline, async (http, found) => {
      const system = await http.getJson(found.systemPath, computerSystemSchema, deadline);
      return system.PowerState === 'Off' ? 'off' : 'on';
    });
  }

  async powerOff(options: FencingCallOptions): Promise<PowerActionResult> {
    return this.switchPower('off', new Deadline(options.timeoutMs, options.signal));
  }

  async powerOn(options: FencingCallOptions): Promise<PowerActionResult> {
    return this.switchPower('on', new Deadline(options.timeoutMs, options.signal));
  }

  private async switchPower(want: PowerState, deadline: Deadline): Promise<PowerActionResult> {
    const resetType = want === 'off' ? 'ForceOff' : 'On';
    return this.withClient(deadline, async (http, found) => {
      const system = await http.getJson(found.systemPath, computerSystemSchema, deadline);
      // Whether ForceOff on an off system succeeds is vendor-specific: never send it.
      if (readingOf(system) === want) {
        this.deps.logger?.info({ bmc: this.target.address, want }, 'already in wanted state; nothing sent');
        return { state: want, commandSent: false, elapsedMs: deadline.elapsedMs() };
      }
      const action = system.Actions[RESET_ACTION];
      const allowed = action['ResetType@Redfish.AllowableValues'];
      if (allowed && !allowed.includes(resetType)) {
        throw new VigilError(ErrorCode.CONFIG_INVALID, `BMC does not allow ResetType ${resetType}`, {
          allowed,
        });
      }
      const httpStatus = await http.postAction(action.target, { ResetType: resetType }, deadline);
      this.deps.logger?.info(
        { bmc: this.target.address, resetType, httpStatus },
        'reset accepted; reading state back',
      );
      await confirmPowerState(
        async () => readingOf(await http.getJson(found.systemPath, computerSystemSchema, deadline)),
        want,
        deadline,
        this.target.pollIntervalMs,
      );
      return { state: want, commandSent: true, elapsedMs: deadline.elapsedMs() };
    });
  }

  private async withClient<T>(
    deadline: Deadline,
    work: (http: RedfishHttp, found: Discovered) => Promise<T>,
  ): Promise<T> {
    const http = new RedfishHttp(this.target);
    try {
      const root = this.discovered
        ? undefined
        : await http.getJson(SERVICE_ROOT, serviceRootSchema, deadline, true);
      await http.login(this.discovered?.sessionsPath ?? root?.Links?.Sessions?.['@odata.id'], deadline);
      const found = this.discovered ?? (await this.discover(http, root, deadline));
      this.discovered = found;
      return await work(http, found);
    } catch (err) {
      if (err instanceof VigilError) {
        this.deps.logger?.warn(
          { bmc: this.target.address, code: err.code, reason: err.message },
          'Redfish call failed',
        );
      }
      throw err;
    } finally {
      await http.logout().catch((err: unknown) => {
        this.deps.logger?.warn(
          { bmc: this.target.address, reason: err instanceof Error ? err.message : String(err) },
          'Redfish session logout failed',
        );
      });
    }
  }

  private async discover(
    http: RedfishHttp,
    root: { Systems: { '@odata.id': string }; Links?: { Sessions?: { '@odata.id': string } } } | undefined,
    deadline: Deadline,
  ): Promise<Discovered> {
    const sessionsPath = root?.Links?.Sessions?.['@odata.id'];
    if (this.target.systemPath) return { systemPath: this.target.systemPath, sessionsPath };
    const systemsPath = root?.Systems['@odata.id'] ?? '/redfish/v1/Systems';
    const systems = await http.getJson(systemsPath, systemCollectionSchema, deadline);
    // Same choice as fence_redfish; multi-system BMCs must set systemPath.
    const last = systems.Members[systems.Members.length - 1];
    if (!last) throw new VigilError(ErrorCode.BAD_RESPONSE, `Redfish ${systemsPath} lists no systems`);
    return { systemPath: last['@odata.id'], sessionsPath };
  }
}

function readingOf(system: ComputerSystem): PowerReading {
  switch (system.PowerState) {
    case 'On':
      return 'on';
    case 'Off':
      return 'off';
    case 'PoweringOn':
    case 'PoweringOff':
    case 'Paused':
      return 'transitioning';
  }
}
