import { keystoneSchema } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { authRequestBody } from '@vigil/openstack';

export interface PasswordSignIn {
  username: string;
  password: string;
  project: string;
  domain: string;
}

/**
 * `POST /v3/auth/tokens` with the operator's password, scoped to a project; answers the new token.
 * The body is the one the controller's own Keystone session sends (`authRequestBody`). Not a
 * KeystoneSession: that caches one service identity and registers its password for log redaction for
 * the life of the process, neither of which fits one sign-in of one operator.
 */
export async function issueTokenWithPassword(
  authUrl: string,
  c: PasswordSignIn,
  timeoutMs: number,
): Promise<string> {
  const body = authRequestBody(
    keystoneSchema.parse({
      authUrl,
      username: c.username,
      password: c.password,
      projectName: c.project,
      userDomainName: c.domain,
      projectDomainName: c.domain,
    }),
  );
  let res: Response;
  try {
    // `keystone.authUrl` may omit `/v3` (docs/configuration.md), as KeystoneSession allows.
    const v3 = `${authUrl.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3`;
    res = await fetch(`${v3}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new VigilError(ErrorCode.UNAVAILABLE, 'Keystone did not answer the sign-in.');
  }
  await res.arrayBuffer();
  if (res.status === 401 || res.status === 403 || res.status === 404)
    throw new VigilError(ErrorCode.UNAUTHORIZED, 'Keystone refused these credentials.');
  const token = res.headers.get('x-subject-token');
  if (!res.ok || !token)
    throw new VigilError(ErrorCode.UNAVAILABLE, `Keystone answered ${res.status} to the sign-in.`);
  return token;
}
