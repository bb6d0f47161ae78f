import { type EventWebhookConfig } from '@vigil/config';
import { CLOUDEVENTS_CONTENT_TYPE, SIGNATURE_HEADER, isRetryableStatus, signEventBody } from './cloud-event';

export type SendOutcome =
  { kind: 'delivered'; status: number } | { kind: 'retry'; why: string } | { kind: 'rejected'; why: string };

/** The one place that talks HTTP to event receivers. Every POST has its own timeout. */
export class WebhookSender {
  constructor(private readonly webhook: EventWebhookConfig) {}

  /** `cancel` aborts the POST at shutdown. */
  async send(body: string, cancel: AbortSignal): Promise<SendOutcome> {
    const headers: Record<string, string> = { 'content-type': CLOUDEVENTS_CONTENT_TYPE };
    if (this.webhook.secret) headers[SIGNATURE_HEADER] = signEventBody(this.webhook.secret, body);
    try {
      const res = await fetch(this.webhook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.webhook.timeoutMs), cancel]),
        redirect: 'error',
      });
      // The body is not used; drain it so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { kind: 'delivered', status: res.status };
      if (isRetryableStatus(res.status)) return { kind: 'retry', why: `HTTP ${res.status}` };
      return { kind: 'rejected', why: `HTTP ${res.status}` };
    } catch (err) {
      const e = err as Error;
      return {
        kind: 'retry',
        why: e.name === 'TimeoutError' ? `no answer within ${this.webhook.timeoutMs} ms` : e.message,
      };
    }
  }
}
