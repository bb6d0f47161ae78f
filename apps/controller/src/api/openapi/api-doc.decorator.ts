import { SetMetadata } from '@nestjs/common';
import { type z } from 'zod';

/** What /openapi.json says about one route. Bodies are the zod schemas the handler validates with. */
export interface ApiDocOptions {
  summary: string;
  description?: string;
  /** Route family shown as a section: `segments`, `hosts`, `notifications`, `vigil`, ... */
  tag: string;
  /** Request body schema (the exact one the handler parses). */
  body?: z.ZodType;
  /** Success status and a short description of the response. */
  success: { status: number; description: string };
  /** Error statuses this route answers, with why. */
  errors?: Record<number, string>;
  /** Query parameters: name → description. */
  query?: Record<string, string>;
  /** Lowest Masakari microversion that has this route (e.g. `1.3` for vmoves). */
  minMicroversion?: string;
  /** Authenticated by a signature instead of a Keystone token. */
  signed?: boolean;
}

export const API_DOC = 'vigil:api-doc';

export const ApiDoc = (options: ApiDocOptions): MethodDecorator => SetMetadata(API_DOC, options);

export const OUTSIDE_API = 'vigil:outside-api';

/**
 * Marks a controller whose routes are not part of the published API (the operator view's page and the
 * reads made only for it): they stay out of /openapi.json and docs/api.md, so the page can change them
 * without breaking a client.
 */
export const OutsideApi = (): ClassDecorator => SetMetadata(OUTSIDE_API, true);
