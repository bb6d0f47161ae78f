import { type FakeRequest, type FakeResponse } from './fake-http';

/**
 * Keystone's unauthenticated version discovery, which keystoneauth's generic plugins fetch from the auth
 * URL before authenticating (without it they log a warning and guess the version from the URL path).
 * Shape as Zed keystone answers: `GET /v3` → the v3 document, `GET /` → 300 with every version.
 * Returns undefined for any other request.
 */
export function discoveryResponse(req: FakeRequest, baseUrl: string): FakeResponse | undefined {
  if (req.method !== 'GET') return undefined;
  const path = req.path.replace(/\/+$/, '');
  if (path === '/v3') return { status: 200, body: { version: v3Version(baseUrl) } };
  if (path === '') return { status: 300, body: { versions: { values: [v3Version(baseUrl)] } } };
  return undefined;
}

function v3Version(baseUrl: string): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${baseUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}
