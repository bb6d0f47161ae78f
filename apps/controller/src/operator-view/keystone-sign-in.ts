import { ErrorCode, VigilError } from '@vigil/contracts';

export interface PasswordSignIn {
  username: string;
  password: string;
  project: string;
  domain: string;
}

/** `POST /v3/auth/tokens` with the operator's password, scoped to a project; answers the new token. */
export async function issueTokenWithPassword(
  authUrl: string,
  c: PasswordSignIn,
  timeoutMs: number,
): Promise<string> {
  const domain = { name: c.domain };
  let res: Response;
  try {
    res = await fetch(`${authUrl.replace(/\/+$/, '')}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: c.username, domain, password: c.password } },
          },
          scope: { project: { name: c.project, domain } },
        },
      }),
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
