import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { z } from 'zod';
import { faultName } from '../fault';
import { MAX_MICROVERSION, formatVersion } from '../microversion';
import { API_DOC, OUTSIDE_API, type ApiDocOptions } from './api-doc.decorator';

export interface RouteDoc {
  method: string;
  path: string;
  doc: ApiDocOptions | undefined;
}

type JsonObject = Record<string, unknown>;

/**
 * Builds the OpenAPI document from the routes Nest actually serves, so no route can be missing from it;
 * a spec fails when a route has no @ApiDoc.
 */
@Injectable()
export class OpenApiService {
  private cached: JsonObject | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  routes(): RouteDoc[] {
    const routes: RouteDoc[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      if (this.reflector.get<boolean | undefined>(OUTSIDE_API, wrapper.metatype)) continue;
      const prefixes = asArray(this.reflector.get<string | string[]>(PATH_METADATA, wrapper.metatype));
      const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function') continue;
        const method = this.reflector.get<RequestMethod | undefined>(
          METHOD_METADATA,
          handler as () => unknown,
        );
        if (method === undefined) continue;
        const paths = asArray(this.reflector.get<string | string[]>(PATH_METADATA, handler as () => unknown));
        const doc = this.reflector.get<ApiDocOptions | undefined>(API_DOC, handler as () => unknown);
        for (const prefix of prefixes.length ? prefixes : ['']) {
          for (const p of paths.length ? paths : ['']) {
            routes.push({ method: RequestMethod[method].toLowerCase(), path: joinPath(prefix, p), doc });
          }
        }
      }
    }
    return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }

  document(): JsonObject {
    if (this.cached) return this.cached;
    const paths: Record<string, Record<string, JsonObject>> = {};
    for (const route of this.routes()) {
      const openApiPath = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const params = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const doc = route.doc;
      const op: JsonObject = {
        summary: doc?.summary ?? '(undocumented)',
        ...(doc?.description ? { description: doc.description } : {}),
        tags: [doc?.tag ?? 'other'],
        parameters: [
          ...params,
          ...Object.entries(doc?.query ?? {}).map(([name, description]) => ({
            name,
            in: 'query',
            required: false,
            description,
            schema: { type: 'string' },
          })),
        ],
        responses: this.responses(doc),
        ...(doc?.minMicroversion ? { 'x-min-microversion': doc.minMicroversion } : {}),
        ...(doc?.signed ? { security: [{ hostSignature: [] }] } : {}),
      };
      if (doc?.body) {
        const schema = z.toJSONSchema(doc.body, { unrepresentable: 'any', io: 'input' }) as JsonObject;
        delete schema.$schema;
        op.requestBody = { required: true, content: { 'application/json': { schema } } };
      }
      (paths[openApiPath] ??= {})[route.method] = op;
    }
    this.cached = {
      openapi: '3.1.0',
      info: {
        title: 'Vigil API',
        version: formatVersion(MAX_MICROVERSION),
        description:
          "Masakari v1 compatible API (segments, hosts, notifications; microversions via `OpenStack-API-Version: instance-ha 1.x`) plus Vigil's own routes under /vigil/v1. Errors use Masakari's fault body.",
      },
      components: {
        securitySchemes: {
          keystone: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          hostSignature: { type: 'apiKey', in: 'header', name: 'X-Vigil-Signature' },
        },
      },
      security: [{ keystone: [] }],
      paths,
    };
    return this.cached;
  }

  private responses(doc: ApiDocOptions | undefined): JsonObject {
    const out: JsonObject = {};
    const success = doc?.success ?? { status: 200, description: 'OK' };
    out[String(success.status)] = { description: success.description };
    for (const [status, why] of Object.entries(doc?.errors ?? {})) {
      out[status] = { description: `${faultName(Number(status))}: ${why}` };
    }
    return out;
  }
}

function asArray(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function joinPath(prefix: string, path: string): string {
  const joined = `/${[prefix, path]
    .map((s) => s.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
  return joined;
}
