/**
 * Every failure Vigil acts on carries a code. One function (`isRetryable`) decides what a retry can fix,
 * and one HTTP filter maps codes to statuses, so callers never match on messages.
 */
export enum ErrorCode {
  BAD_REQUEST = 'BAD_REQUEST',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  CONFLICT = 'CONFLICT',
  NOT_ACCEPTABLE = 'NOT_ACCEPTABLE',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** A dependency (Redis, Nova, Keystone) is down or answered 5xx. */
  UNAVAILABLE = 'UNAVAILABLE',
  TIMEOUT = 'TIMEOUT',
  /** A peer answered with a shape we do not understand. */
  BAD_RESPONSE = 'BAD_RESPONSE',
  BMC_UNREACHABLE = 'BMC_UNREACHABLE',
  AUTH_FAILED = 'AUTH_FAILED',
  POWER_OFF_UNVERIFIED = 'POWER_OFF_UNVERIFIED',
  CONFIG_INVALID = 'CONFIG_INVALID',
  INTERNAL = 'INTERNAL',
}

export class VigilError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VigilError';
  }
}

export function isVigilError(err: unknown): err is VigilError {
  return err instanceof VigilError;
}

/** True when the same call may succeed later without anyone changing anything. */
export function isRetryable(err: unknown): boolean {
  if (!isVigilError(err)) return false;
  switch (err.code) {
    case ErrorCode.UNAVAILABLE:
    case ErrorCode.TIMEOUT:
    case ErrorCode.BMC_UNREACHABLE:
    case ErrorCode.POWER_OFF_UNVERIFIED:
      return true;
    case ErrorCode.BAD_REQUEST:
    case ErrorCode.UNAUTHORIZED:
    case ErrorCode.FORBIDDEN:
    case ErrorCode.NOT_FOUND:
    case ErrorCode.METHOD_NOT_ALLOWED:
    case ErrorCode.CONFLICT:
    case ErrorCode.NOT_ACCEPTABLE:
    case ErrorCode.PAYLOAD_TOO_LARGE:
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
    case ErrorCode.BAD_RESPONSE:
    case ErrorCode.AUTH_FAILED:
    case ErrorCode.CONFIG_INVALID:
    case ErrorCode.INTERNAL:
      return false;
  }
}

/** HTTP status for each code, used by the API's error filter. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.BAD_REQUEST:
    case ErrorCode.CONFIG_INVALID:
      return 400;
    case ErrorCode.UNAUTHORIZED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.METHOD_NOT_ALLOWED:
      return 405;
    case ErrorCode.NOT_ACCEPTABLE:
      return 406;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.UNAVAILABLE:
    case ErrorCode.BMC_UNREACHABLE:
      return 503;
    case ErrorCode.TIMEOUT:
      return 504;
    case ErrorCode.BAD_RESPONSE:
      return 502;
    case ErrorCode.AUTH_FAILED:
    case ErrorCode.POWER_OFF_UNVERIFIED:
    case ErrorCode.INTERNAL:
      return 500;
  }
}
