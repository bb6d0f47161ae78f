import { ErrorCode, VigilError } from '@vigil/contracts';
import { type VigilApiClient } from './api-client';

/** What the CLI needs of a Masakari segment and host (the API's own field names). */
export interface SegmentRow {
  uuid: string;
  name: string;
  recovery_method: string;
  enabled?: boolean;
}
export interface HostRow {
  uuid: string;
  name: string;
  failover_segment_id: string;
  on_maintenance: boolean;
  reserved: boolean;
}

const enc = encodeURIComponent;

export async function listSegments(api: VigilApiClient): Promise<SegmentRow[]> {
  return (await api.request<{ segments: SegmentRow[] }>('GET', '/v1/segments?limit=1000')).segments;
}

export async function listHosts(api: VigilApiClient, segment: SegmentRow): Promise<HostRow[]> {
  const path = `/v1/segments/${enc(segment.uuid)}/hosts?limit=1000`;
  return (await api.request<{ hosts: HostRow[] }>('GET', path)).hosts;
}

/** A segment named by its name or its uuid; NOT_FOUND names the segments there are. */
export async function findSegment(api: VigilApiClient, nameOrUuid: string): Promise<SegmentRow> {
  const segments = await listSegments(api);
  const found = segments.find((s) => s.uuid === nameOrUuid) ?? segments.find((s) => s.name === nameOrUuid);
  if (!found)
    throw new VigilError(
      ErrorCode.NOT_FOUND,
      `no segment named ${nameOrUuid} (segments: ${segments.map((s) => s.name).join(', ') || 'none'})`,
    );
  return found;
}

/** The host registered under this name (the Nova service host) and its segment. */
export async function findHost(
  api: VigilApiClient,
  name: string,
): Promise<{ host: HostRow; segment: SegmentRow }> {
  for (const segment of await listSegments(api)) {
    const host = (await listHosts(api, segment)).find((h) => h.name === name);
    if (host) return { host, segment };
  }
  throw new VigilError(
    ErrorCode.NOT_FOUND,
    `host ${name} is not registered in any segment (vigil host enrol ${name} --segment SEG)`,
  );
}
