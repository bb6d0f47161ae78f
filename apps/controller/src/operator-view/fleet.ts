/** What `GET /ui/api/fleet` answers; shared with the page (`apps/controller-ui`), so it imports nothing. */

export interface FleetHost {
  name: string;
  uuid: string;
  segment: string;
  state: string;
  since?: number;
  incidentId?: string;
  failedComponents: string[];
  onMaintenance: boolean;
  reserved: boolean;
  /** Component name to `ok` / `failed` / `unknown`, as the host's monitor last reported. */
  components: Record<string, string>;
  lastHeartbeatAt?: number;
}

export interface FleetStormGuard {
  scope: string;
  engaged: boolean;
  engagedAt?: number;
  reason?: string;
  hosts?: string[];
}

export interface Fleet {
  now: number;
  segments: Array<{ uuid: string; name: string; enabled: boolean }>;
  hosts: FleetHost[];
  guards: FleetStormGuard[];
}
