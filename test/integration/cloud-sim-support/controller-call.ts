/** One call to the controller's API (noauth, Masakari 1.3) answering status and parsed body. */
export type ControllerCall = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

/**
 * A raw caller for specs that assert on statuses and error bodies (the demo's ControllerApi throws on
 * non-2xx). The body's type is the caller's: these are the controller's documented shapes.
 */
export function controllerCall(baseUrl: () => string): ControllerCall {
  return async <T = unknown>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'instance-ha 1.3' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
