/** Messages between the benchmark and its heartbeat load-generator processes (IPC, JSON). */

export const LOAD_WORKER_ARG = '--heartbeat-load-worker';

export interface LoadWorkerInit {
  type: 'init';
  /** Controller replicas; a host's heartbeats go round robin over them (seq modulo their number). */
  baseUrls: string[];
  /** Passed over IPC, never argv: it signs for every host. */
  masterKey: string;
  hosts: string[];
  /** Keep-alive sockets to the controller. */
  maxSockets: number;
  /** Sends beyond this many in flight are skipped and counted: the controller is not keeping up. */
  maxInFlight: number;
}

export type ParentToWorker =
  | LoadWorkerInit
  /** The first `count` of this worker's hosts heartbeat at `hz` each; the rest stay silent. */
  | { type: 'active'; count: number; hz: number }
  /** Spread heartbeats over these replicas from now on. */
  | { type: 'targets'; baseUrls: string[] }
  /** Stop heartbeats of one host (detection latency). */
  | { type: 'silence'; host: string }
  /** Send the figures since the previous report and start a new window. */
  | { type: 'report' }
  | { type: 'lastAccepted'; host: string }
  | { type: 'stop' };

export interface LoadWindow {
  sent: number;
  accepted: number;
  /** HTTP status (or `network`) → count, for everything but 204. */
  errors: Record<string, number>;
  /** Heartbeats whose replica did not answer and that were sent again to the next one (failover). */
  failedOver: number;
  /** Sends skipped because `maxInFlight` requests were outstanding, or the host's previous one was. */
  skipped: number;
  /** Per accepted or refused request: ms from the call to the end of the response. */
  latenciesMs: number[];
  inFlight: number;
}

export type WorkerToParent =
  | { type: 'ready' }
  | ({ type: 'report' } & LoadWindow)
  /** Wall-clock ms at which the last heartbeat later answered 204 was signed and sent. */
  | { type: 'lastAccepted'; host: string; sentAtMs: number | undefined };
