import { ErrorCode, VigilError } from '@vigil/contracts';

/** Every inventory error text in one place, worded as Masakari words them. */
export const segmentNotFound = (id: string): VigilError =>
  new VigilError(ErrorCode.NOT_FOUND, `Failover segment ${id} could not be found.`);

export const segmentNameExists = (name: string): VigilError =>
  new VigilError(ErrorCode.CONFLICT, `Failover segment with name ${name} already exists.`);

export const segmentInUse = (id: string, action: 'update' | 'delete'): VigilError =>
  new VigilError(
    ErrorCode.CONFLICT,
    `Failover segment ${id} is in use: cannot ${action} it, or its hosts, while it has notifications in new, running or error status.`,
  );

export const hostNotFound = (id: string): VigilError =>
  new VigilError(ErrorCode.NOT_FOUND, `Host ${id} could not be found.`);

export const hostNameExists = (name: string): VigilError =>
  new VigilError(ErrorCode.CONFLICT, `Host with name ${name} already exists.`);

export const computeHostUnknown = (name: string): VigilError =>
  new VigilError(ErrorCode.BAD_REQUEST, `Compute service for host ${name} could not be found.`);

export const notificationNotFound = (id: string): VigilError =>
  new VigilError(ErrorCode.NOT_FOUND, `No notification with id ${id} found.`);

export const notificationHostUnknown = (hostname: string): VigilError =>
  new VigilError(ErrorCode.BAD_REQUEST, `Host with name ${hostname} could not be found.`);

export const hostOnMaintenance = (hostname: string, type: string): VigilError =>
  new VigilError(
    ErrorCode.CONFLICT,
    `Notification received from host ${hostname} of type '${type}' is ignored as the host is already under maintenance.`,
  );

export const duplicateNotification = (hostname: string, type: string): VigilError =>
  new VigilError(
    ErrorCode.CONFLICT,
    `Notification received from host ${hostname} of type '${type}' is a duplicate of one already received.`,
  );

export const vmoveNotFound = (id: string): VigilError =>
  new VigilError(ErrorCode.NOT_FOUND, `No vmove with id ${id} found.`);

export const markerNotFound = (marker: string): VigilError =>
  new VigilError(ErrorCode.BAD_REQUEST, `Marker not found: marker ${marker} could not be found.`);
