import { z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';

const REQUEST_TIMEOUT_MS = 5_000;

const segmentSchema = z.object({ segment: z.object({ uuid: z.string() }) });
const hostSchema = z.object({ host: z.object({ uuid: z.string(), name: z.string() }) });
const notificationSchema = z.object({
  notification_uuid: z.string(),
  type: z.string(),
  status: z.string(),
  source_host_uuid: z.string().nullable().optional(),
  payload: z.record(z.string(), z.unknown()).nullable().optional(),
  created_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
  recovery_workflow_details: z
    .array(
      z.object({
        name: z.string(),
        state: z.string(),
        progress_details: z
          .array(z.object({ timestamp: z.union([z.string(), z.number()]), message: z.string() }))
          .default([]),
      }),
    )
    .optional(),
});
const vmoveSchema = z.object({
  instance_uuid: z.string(),
  instance_name: z.string().nullable().optional(),
  source_host: z.string().nullable().optional(),
  dest_host: z.string().nullable().optional(),
  status: z.string(),
  start_time: z.string().nullable().optional(),
  end_time: z.string().nullable().optional(),
});
const hostStateSchema = z.object({
  host_state: z.object({
    state: z.string(),
    incidentId: z.string().optional(),
    timeline: z.array(z.object({ at: z.number(), from: z.string(), to: z.string(), reason: z.string() })),
  }),
});

export type NotificationView = z.output<typeof notificationSchema>;
export type VmoveView = z.output<typeof vmoveSchema>;
export type HostStateView = z.output<typeof hostStateSchema>['host_state'];

/**
 * The demo's door to the controller's API (Masakari v1 and Vigil routes), with `noauth`. Every answer
 * is parsed by a schema; a non-2xx answer is a coded error with the controller's message.
 */
export class ControllerApi {
  /** `token`: sent as `X-Auth-Token` when the controller runs with `auth.strategy: keystone`. */
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  async createSegment(name: string): Promise<string> {
    const body = await this.call('POST', '/v1/segments', {
      segment: { name, recovery_method: 'reserved_host', service_type: 'COMPUTE', enabled: true },
    });
    return segmentSchema.parse(body).segment.uuid;
  }

  async addHost(segmentUuid: string, name: string, reserved: boolean): Promise<string> {
    const body = await this.call('POST', `/v1/segments/${segmentUuid}/hosts`, {
      host: { name, type: 'COMPUTE', control_attributes: 'SSH', reserved, on_maintenance: false },
    });
    return hostSchema.parse(body).host.uuid;
  }

  async setFencing(hostUuid: string, settings: object): Promise<void> {
    await this.call('PUT', `/vigil/v1/hosts/${hostUuid}/fencing`, settings);
  }

  async notifications(): Promise<NotificationView[]> {
    const body = await this.call('GET', '/v1/notifications');
    return z.object({ notifications: z.array(notificationSchema) }).parse(body).notifications;
  }

  async notification(uuid: string): Promise<NotificationView> {
    const body = await this.call('GET', `/v1/notifications/${uuid}`);
    return z.object({ notification: notificationSchema }).parse(body).notification;
  }

  async vmoves(uuid: string): Promise<VmoveView[]> {
    const body = await this.call('GET', `/v1/notifications/${uuid}/vmoves`);
    return z.object({ vmoves: z.array(vmoveSchema) }).parse(body).vmoves;
  }

  /** Undefined while detection has never tracked the host (404). */
  async hostState(host: string): Promise<HostStateView | undefined> {
    try {
      return hostStateSchema.parse(await this.call('GET', `/vigil/v1/hosts/${host}/state`)).host_state;
    } catch (err) {
      if (err instanceof VigilError && err.code === ErrorCode.NOT_FOUND) return undefined;
      throw err;
    }
  }

  /** Hosts by detection state. */
  async cluster(): Promise<Record<string, string[]>> {
    const body = await this.call('GET', '/vigil/v1/cluster');
    return z
      .object({ cluster: z.object({ hostsByState: z.record(z.string(), z.array(z.string())) }) })
      .parse(body).cluster.hostsByState;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        // 1.3 for everything: `enabled` on segments needs 1.2, workflow details 1.1.
        headers: {
          'content-type': 'application/json',
          'OpenStack-API-Version': 'instance-ha 1.3',
          ...(this.token ? { 'X-Auth-Token': this.token } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new VigilError(ErrorCode.UNAVAILABLE, `controller unreachable: ${method} ${path}`, {
        cause: String(err),
      });
    }
    const text = await response.text();
    if (response.ok) return text ? (JSON.parse(text) as unknown) : undefined;
    const code =
      response.status === 404
        ? ErrorCode.NOT_FOUND
        : response.status >= 500
          ? ErrorCode.UNAVAILABLE
          : ErrorCode.BAD_RESPONSE;
    throw new VigilError(code, `${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
}
