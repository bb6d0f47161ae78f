import { Controller, Get, HttpCode, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from './auth';
import { MAX_MICROVERSION, MIN_MICROVERSION, formatVersion } from './microversion';

/** Masakari's version documents. `GET /` needs no token; `GET /v1` does, as in Masakari. */
@Controller()
export class VersionsController {
  @Public()
  @Get()
  @HttpCode(200)
  root(@Req() req: Request): { versions: VersionDoc[] } {
    return { versions: [versionDoc(baseUrl(req))] };
  }

  @Get('v1')
  v1(@Req() req: Request): { version: VersionDoc } {
    return { version: versionDoc(baseUrl(req)) };
  }

  @Public()
  @Get('v2')
  @HttpCode(300)
  v2(@Req() req: Request): { choices: VersionDoc[] } {
    return { choices: [versionDoc(baseUrl(req))] };
  }
}

interface VersionDoc {
  id: string;
  status: string;
  version: string;
  min_version: string;
  updated: string;
  links: Array<{ rel: string; href: string; type?: string }>;
  'media-types': Array<{ base: string; type: string }>;
}

function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

function versionDoc(base: string): VersionDoc {
  return {
    id: 'v1.0',
    status: 'CURRENT',
    version: formatVersion(MAX_MICROVERSION),
    min_version: formatVersion(MIN_MICROVERSION),
    updated: '2016-07-01T11:33:21Z',
    links: [{ rel: 'self', href: `${base}/v1/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.masakari+json;version=1' }],
  };
}
