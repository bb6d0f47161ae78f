import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { httpStatusReady } from '../planning/restart-tiers';

/**
 * The only HTTP client of readiness gates: one GET to a moved instance, redirects not followed, the body
 * discarded. Ready = a 2xx or 3xx status line within `timeoutMs`; refused, reset, slow, 4xx or 5xx = not
 * ready. Certificates are not verified: the gate asks whether the service answers, not who it is, and an
 * instance's own certificate rarely names the address the controller reaches it by.
 */
export function httpReady(url: URL, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { 'user-agent': 'vigil-readiness', connection: 'close' },
      rejectUnauthorized: false,
    });
    let settled = false;
    const done = (ready: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(ready);
    };
    // One budget for connect and status line together (setTimeout on the socket only counts idle time).
    const timer = setTimeout(() => done(false), timeoutMs);
    request.once('response', (response) => {
      response.resume();
      done(httpStatusReady(response.statusCode ?? 0));
    });
    request.on('error', () => done(false));
    request.end();
  });
}
