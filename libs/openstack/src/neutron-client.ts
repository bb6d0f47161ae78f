import { z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { faultMessage, HttpTransport, parseBody } from './http';
import { type KeystoneSession } from './keystone-session';

const SERVICE = 'Neutron';

/** One port of an instance, as Neutron's "List ports" shows it (only the fields Vigil asks for). */
export interface NeutronPort {
  id: string;
  /** `ACTIVE`, `DOWN`, `BUILD`, `ERROR` (or `N/A` on some backends). */
  status: string;
  deviceId: string;
}

const portsSchema = z.object({
  ports: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      device_id: z.string(),
    }),
  ),
});

export interface NeutronClientOptions {
  session: KeystoneSession;
  /** Budget of one request, ms. */
  timeoutMs: number;
}

/**
 * The controller's only door to Neutron, deliberately thin: the one read the `ports-active` readiness
 * gate needs. Endpoint from the Keystone catalog (service type `network`); a 401 renews the token once.
 */
export class NeutronClient {
  private readonly http = new HttpTransport(SERVICE);

  constructor(private readonly options: NeutronClientOptions) {}

  /** `GET /v2.0/ports?device_id=<server uuid>` (fields id, status, device_id): the ports of a server. */
  async portsOfDevice(deviceId: string): Promise<NeutronPort[]> {
    const { session, timeoutMs } = this.options;
    const base = await session.endpoint('network');
    const query = new URLSearchParams([
      ['device_id', deviceId],
      ['fields', 'id'],
      ['fields', 'status'],
      ['fields', 'device_id'],
    ]);
    for (let attempt = 1; ; attempt++) {
      const auth = await session.auth();
      const res = await this.http.send({
        method: 'GET',
        url: `${base}/v2.0/ports?${query.toString()}`,
        headers: { 'X-Auth-Token': auth.token },
        timeoutMs,
      });
      if (res.status === 200)
        return parseBody(SERVICE, res, portsSchema, 'list ports').ports.map((p) => ({
          id: p.id,
          status: p.status,
          deviceId: p.device_id,
        }));
      if (res.status === 401 && attempt === 1) {
        session.invalidate(auth.token);
        continue;
      }
      throw new VigilError(
        res.status === 401 || res.status === 403
          ? ErrorCode.AUTH_FAILED
          : res.status >= 500
            ? ErrorCode.UNAVAILABLE
            : ErrorCode.BAD_RESPONSE,
        `Neutron answered list ports of ${deviceId} with ${res.status}: ${faultMessage(res)}`,
        { service: SERVICE, status: res.status },
      );
    }
  }
}
