import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { type ControllerConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { CONFIG } from '../platform/tokens';

/** Who is calling, as Keystone told us (or the fixed noauth identity). */
export interface CallerIdentity {
  userId: string;
  userName?: string;
  projectId: string;
  roles: readonly string[];
}

/** Validates a caller's token; `undefined` means invalid or expired (401). Throws UNAVAILABLE when it cannot tell. */
export interface TokenValidator {
  validate(token: string): Promise<CallerIdentity | undefined>;
}
export const TOKEN_VALIDATOR = Symbol('TOKEN_VALIDATOR');

/** With `auth.strategy: noauth` every caller is an admin of project `noauth` (or of `X-Project-Id`). */
export const NOAUTH_PROJECT = 'noauth';

declare module 'express-serve-static-core' {
  interface Request {
    caller?: CallerIdentity;
    /** Project id taken from `/v1/{project_id}/...`, checked against the token's. */
    urlProjectId?: string;
  }
}

const IS_PUBLIC = 'vigil:public';
/** Marks a route that needs no token (version document, liveness). */
export const Public = (): ReturnType<typeof SetMetadata> => SetMetadata(IS_PUBLIC, true);

export const unauthorized = (): VigilError =>
  new VigilError(ErrorCode.UNAUTHORIZED, 'The request you have made requires authentication.');

/**
 * Authentication only (401). Authorization (403) happens in each handler *after* the body is validated,
 * because Masakari answers 400 to an invalid body even from a caller without the role.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(TOKEN_VALIDATOR) private readonly validator: TokenValidator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (this.config.auth.strategy === 'noauth') {
      const project = req.header('X-Project-Id') ?? req.urlProjectId ?? NOAUTH_PROJECT;
      req.caller = { userId: 'noauth', projectId: project, roles: [this.config.auth.requiredRole] };
    } else {
      const token = req.header('X-Auth-Token');
      if (!token) throw unauthorized();
      const caller = await this.validator.validate(token);
      if (!caller) throw unauthorized();
      req.caller = caller;
    }
    if (req.urlProjectId !== undefined && req.urlProjectId !== req.caller.projectId)
      throw new VigilError(
        ErrorCode.BAD_REQUEST,
        "Malformed request URL: URL's project_id does not match the project_id of the token.",
      );
    return true;
  }
}

/** Throws 403 unless the caller holds the configured role. Call after validating the request body. */
export function authorize(req: Request, config: ControllerConfig, policy: string): void {
  const roles = req.caller?.roles ?? [];
  if (!roles.includes(config.auth.requiredRole))
    throw new VigilError(ErrorCode.FORBIDDEN, `Policy doesn't allow ${policy} to be performed.`);
}

/** `/v1/{project_id}/segments/...` is routed as `/v1/segments/...`; the id is kept for the guard. */
export function stripProjectIdFromUrl(req: Request, _res: unknown, next: () => void): void {
  const m = /^\/v1\/([0-9a-f-]+)(\/(?:segments|notifications)(?:[/?].*)?)$/i.exec(req.url);
  if (m?.[1] && m[2]) {
    req.urlProjectId = m[1];
    req.url = `/v1${m[2]}`;
  }
  next();
}

@Injectable()
export class NoAuthValidator implements TokenValidator {
  validate(): Promise<CallerIdentity | undefined> {
    return Promise.resolve(undefined);
  }
}
