import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type Heartbeat,
  HEARTBEAT_PATH,
  HOST_HEADER,
  type InstanceEventReport,
  SIGNATURE_HEADER,
  verifySignature,
} from '@vigil/contracts';

export interface Received<T> {
  body: T;
  raw: string;
  signature: string;
  atMs: number;
}

/**
 * A loopback stand-in for the controller's monitor intake: verifies each host's HMAC signature over the
 * exact body bytes, rejects replays (a signature seen before, or a seq not above the last of its run) with
 * 409, deduplicates instance events by eventId, and can be told to answer 503 (not ready) or go away.
 */
export class FakeController {
  readonly heartbeats: Received<Heartbeat>[] = [];
  readonly instanceEvents: Received<InstanceEventReport>[] = [];
  /** Every request, with the status it got. */
  readonly requests: { path: string; status: number; atMs: number; body: string }[] = [];
  /** Answer 503 to everything while set; `instanceEvents503` only to that many instance-event posts. */
  notReady = false;
  instanceEvents503 = 0;
  private server: Server | undefined;
  private readonly seenSignatures = new Set<string>();
  private readonly lastSeq = new Map<string, number>();
  private readonly eventIds = new Set<string>();
  port = 0;

  constructor(private readonly secrets: Readonly<Record<string, string>>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0 = free one; the same port again after `stop()` to simulate a restart). */
  async start(port = this.port): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.server = server;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  heartbeatsOf(host: string): Heartbeat[] {
    return this.heartbeats.filter((h) => h.body.host === host).map((h) => h.body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    const answer = (status: number): void => {
      this.requests.push({ path, status, atMs: Date.now(), body: raw });
      res.writeHead(status).end();
    };
    if (req.method !== 'POST') return answer(405);
    if (this.notReady) return answer(503);
    const host = req.headers[HOST_HEADER];
    const signature = req.headers[SIGNATURE_HEADER];
    const secret = typeof host === 'string' ? this.secrets[host] : undefined;
    if (!secret || typeof signature !== 'string') return answer(401);
    const check = verifySignature(secret, raw, signature, Date.now());
    if (!check.ok) return answer(check.reason === 'stale' ? 409 : 401);
    if (this.seenSignatures.has(signature)) return answer(409);
    this.seenSignatures.add(signature);

    if (path === HEARTBEAT_PATH) {
      const body = JSON.parse(raw) as Heartbeat;
      if (body.host !== host) return answer(401);
      const key = `${body.host}/${body.runId}`;
      if (body.seq <= (this.lastSeq.get(key) ?? 0)) return answer(409);
      this.lastSeq.set(key, body.seq);
      this.heartbeats.push({ body, raw, signature, atMs: Date.now() });
      return answer(204);
    }
    if (path === `/vigil/v1/hosts/${encodeURIComponent(host as string)}/instance-events`) {
      if (this.instanceEvents503 > 0) {
        this.instanceEvents503 -= 1;
        return answer(503);
      }
      const body = JSON.parse(raw) as InstanceEventReport;
      if (body.host !== host) return answer(401);
      if (this.eventIds.has(body.eventId)) return answer(409);
      this.eventIds.add(body.eventId);
      this.instanceEvents.push({ body, raw, signature, atMs: Date.now() });
      return answer(202);
    }
    return answer(404);
  }
}

/** A loopback port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}
