/** The wire under ControllerLink; the fetch one is real, unit tests pass a scripted one. */
export interface HttpTransport {
  /** Resolves with the status of any HTTP answer; rejects on connection errors and on timeout. */
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number }>;
}

export class FetchTransport implements HttpTransport {
  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the body so the keep-alive socket is reused; its content is not needed.
    await response.arrayBuffer();
    return { status: response.status };
  }
}

/** `fetch failed` hides the useful part (ECONNREFUSED...) in `cause`. */
export function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return err.name === 'TimeoutError' ? 'request timed out' : err.message;
}
