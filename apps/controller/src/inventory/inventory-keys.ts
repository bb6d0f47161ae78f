/**
 * Every Redis key of the inventory, in one place, because some atomic scripts span families
 * (deleting a segment deletes its hosts and their fencing settings).
 */
export class InventoryKeys {
  constructor(readonly prefix: string) {}

  segmentSeq = (): string => `${this.prefix}segment:seq`;
  /** ZSET score = integer id, member = uuid. */
  segmentIds = (): string => `${this.prefix}segment:ids`;
  /** HASH name → uuid (unique names). */
  segmentNames = (): string => `${this.prefix}segment:names`;
  segment = (uuid: string): string => `${this.prefix}segment:${uuid}`;
  /** SET of host uuids. */
  segmentHosts = (uuid: string): string => `${this.prefix}segment:${uuid}:hosts`;
  /** SET of notification uuids in new/running/error: non-empty = segment "in use". */
  segmentActiveNotifications = (uuid: string): string => `${this.prefix}segment:${uuid}:active-notifications`;

  hostSeq = (): string => `${this.prefix}host:seq`;
  hostIds = (): string => `${this.prefix}host:ids`;
  /** HASH name → uuid; host names are unique across all segments. */
  hostNames = (): string => `${this.prefix}host:names`;
  host = (uuid: string): string => `${this.prefix}host:${uuid}`;
  /**
   * ZSET member = notification type + canonical payload, score = latest generated_time (ms) seen:
   * the duplicate-notification window.
   */
  hostNotificationDigests = (uuid: string): string => `${this.prefix}host:${uuid}:notification-digests`;
  hostFencing = (uuid: string): string => `${this.prefix}host:${uuid}:fencing`;

  notificationSeq = (): string => `${this.prefix}notification:seq`;
  notificationIds = (): string => `${this.prefix}notification:ids`;
  notification = (uuid: string): string => `${this.prefix}notification:${uuid}`;
  /** LIST of RecoveryWorkflowDetail JSON. */
  notificationWorkflow = (uuid: string): string => `${this.prefix}notification:${uuid}:workflow`;
  /** HASH vmove uuid → VMoveRecord JSON. */
  notificationVmoves = (uuid: string): string => `${this.prefix}notification:${uuid}:vmoves`;
  vmoveSeq = (): string => `${this.prefix}vmove:seq`;
}
