import { randomBytes } from 'node:crypto';
import { type FakePowerState, RedfishFake, type ResetRequester } from '@vigil/testing';

/**
 * How a simulated BMC answers fencing:
 * `refuse` 503 to everything; `lie` accepts ForceOff and stays On; `hang` never answers (a dead or
 * wedged BMC: the client's timeout decides); `slow` answers everything `delayMs` late;
 * `act-then-hang` carries a reset out, then never answers it.
 */
export const BMC_BEHAVIOURS = ['normal', 'refuse', 'lie', 'hang', 'slow', 'act-then-hang'] as const;
export type BmcBehaviour = (typeof BMC_BEHAVIOURS)[number];

/** `slow` without a delay: long enough to miss a short per-request timeout, short enough to finish. */
export const DEFAULT_SLOW_BMC_DELAY_MS = 5000;

/** What the controller needs to fence one host through its BMC (its `fencing` settings). */
export interface BmcAccess {
  driver: 'redfish';
  address: string;
  port: number;
  username: string;
  password: string;
  options: { scheme: 'http'; systemPath: string; auth: 'basic' };
}

/**
 * Every host's BMC: one Redfish server on a loopback port with one ComputerSystem per host at
 * `/redfish/v1/Systems/<host>`. A reset that changes a system's power is reported through `onPower`.
 */
export class BmcFarm {
  private constructor(
    private readonly redfish: RedfishFake,
    private readonly behaviours: Map<string, { behaviour: BmcBehaviour; delayMs?: number }>,
  ) {}

  static async start(
    hosts: readonly string[],
    onPower: (host: string, state: FakePowerState, requester: ResetRequester) => void,
  ): Promise<BmcFarm> {
    const [first, ...rest] = hosts;
    const redfish = await RedfishFake.start({
      username: 'sim-admin',
      password: `bmc-${randomBytes(12).toString('hex')}`,
      systemId: first ?? 'none',
      extraSystemIds: rest,
      onPowerChange: onPower,
    });
    return new BmcFarm(redfish, new Map());
  }

  get port(): number {
    return this.redfish.port;
  }

  /** Secret: goes to the controller's fencing API only, never to logs or `/sim/state`. */
  get password(): string {
    return this.redfish.password;
  }

  access(host: string): BmcAccess {
    return {
      driver: 'redfish',
      address: '127.0.0.1',
      port: this.port,
      username: this.redfish.username,
      password: this.redfish.password,
      options: { scheme: 'http', systemPath: `/redfish/v1/Systems/${host}`, auth: 'basic' },
    };
  }

  /** The same access flattened into a `@vigil/fencing` Redfish target (what the controller builds from it). */
  fencingTarget(host: string): Omit<BmcAccess, 'options'> & BmcAccess['options'] {
    const { options, ...rest } = this.access(host);
    return { ...rest, ...options };
  }

  power(host: string): FakePowerState | undefined {
    return this.redfish.system(host)?.powerState;
  }

  /** The host's own power changed (power loss, operator power-on): the BMC reads it from now on. */
  setPower(host: string, state: 'On' | 'Off'): void {
    const system = this.redfish.system(host);
    if (system) system.powerState = state;
  }

  behaviour(host: string): BmcBehaviour {
    return this.behaviours.get(host)?.behaviour ?? 'normal';
  }

  /** The behaviour with its delay (`slow` only), as `/sim/state` shows it. */
  behaviourDetail(host: string): { behaviour: BmcBehaviour; delayMs?: number } {
    return this.behaviours.get(host) ?? { behaviour: 'normal' };
  }

  setBehaviour(host: string, behaviour: BmcBehaviour, delayMs = DEFAULT_SLOW_BMC_DELAY_MS): boolean {
    const system = this.redfish.system(host);
    if (!system) return false;
    this.behaviours.set(host, behaviour === 'slow' ? { behaviour, delayMs } : { behaviour });
    const { knobs } = system;
    knobs.lieOnForceOff = behaviour === 'lie';
    knobs.fail5xxNext = behaviour === 'refuse' ? Number.MAX_SAFE_INTEGER : 0;
    knobs.hang = behaviour === 'hang';
    knobs.answerDelayMs = behaviour === 'slow' ? delayMs : 0;
    knobs.hangAfterReset = behaviour === 'act-then-hang';
    return true;
  }

  async stop(): Promise<void> {
    await this.redfish.stop();
  }

  /** First time at or after `sinceMs` the host's system was read or reset with valid credentials, epoch ms. */
  firstAccessMs(host: string, sinceMs = 0): number | undefined {
    const path = `/redfish/v1/Systems/${host}`;
    return this.redfish.requests.find(
      (r) =>
        r.path.startsWith(path) &&
        r.status < 300 &&
        (r.auth === 'basic' || r.auth === 'session') &&
        (r.atMs ?? 0) >= sinceMs,
    )?.atMs;
  }

  /** Accepted reset requests as the Redfish server recorded them. */
  acceptedResets(): { host: string; resetType: string }[] {
    return this.redfish.requests
      .filter(
        (r) => r.method === 'POST' && r.path.endsWith('/Actions/ComputerSystem.Reset') && r.status < 300,
      )
      .map((r) => ({
        host: r.path.split('/')[4] ?? '?',
        resetType: (r.body as { ResetType?: string } | undefined)?.ResetType ?? '?',
      }));
  }
}
