/** What `GET /ui/api/fleet` answers; shared with the page (`apps/controller-ui`), so it imports nothing. */

export interface FleetHost {
  name: string;
  uuid: string;
  segment: string;
  /** Failure-domain path (`dc1/row-2/rack-07`, `detection.failureDomains`); absent = none. */
  failureDomain?: string;
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
  /** Pinned by an operator: it never releases itself, only a release ends it. */
  pinned?: boolean;
  pinnedBy?: string;
  pinReason?: string;
}

export interface Fleet {
  now: number;
  segments: Array<{ uuid: string; name: string; enabled: boolean }>;
  hosts: FleetHost[];
  guards: FleetStormGuard[];
}
