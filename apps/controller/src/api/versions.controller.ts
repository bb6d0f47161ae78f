import { Controller, Get, HttpCode, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from './auth';
import { ApiDoc } from './openapi/api-doc.decorator';
import { MAX_MICROVERSION, MIN_MICROVERSION, formatVersion } from './microversion';

/** Masakari's version documents. `GET /` needs no token; `GET /v1` does, as in Masakari. */
@Controller()
export class VersionsController {
  @Public()
  @Get()
  @HttpCode(200)
  @ApiDoc({
    tag: 'versions',
    summary: 'List API versions (no token needed)',
    success: { status: 200, description: '{"versions": [...]}' },
  })
  root(@Req() req: Request): { versions: Omit<VersionDoc, 'media-types'>[] } {
    // Masakari's root document has no media-types.
    const { 'media-types': _mediaTypes, ...doc } = versionDoc(baseUrl(req));
    return { versions: [doc] };
  }

  @Get('v1')
  @ApiDoc({
    tag: 'versions',
    summary: 'Show API v1 (needs a token, as Masakari)',
    success: { status: 200, description: '{"version": {...}}' },
    errors: { 401: 'no or invalid X-Auth-Token' },
  })
  v1(@Req() req: Request): { version: VersionDoc } {
    const doc = versionDoc(baseUrl(req));
    return {
      version: {
        ...doc,
        links: [...doc.links, { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' }],
      },
    };
  }

  @Public()
  @Get('v2')
  @HttpCode(300)
  @ApiDoc({
    tag: 'versions',
    summary: 'Unknown version: multiple choices',
    success: { status: 300, description: 'links to v1' },
  })
  v2(@Req() req: Request): { choices: ChoiceDoc[] } {
    // Masakari builds the choice's link from the requested path under /v1 (hence `/v1/v2`), and a
    // choice carries only id, status, links and media-types.
    const { id, status, 'media-types': mediaTypes } = versionDoc(baseUrl(req));
    return {
      choices: [
        {
          id,
          status,
          links: [{ rel: 'self', href: `${baseUrl(req)}/v1${req.path}` }],
          'media-types': mediaTypes,
        },
      ],
    };
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

type ChoiceDoc = Pick<VersionDoc, 'id' | 'status' | 'links' | 'media-types'>;

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
