import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  deriveHostSecret,
  type Heartbeat,
  HEARTBEAT_PATH,
  HOST_HEADER,
  type InstanceEventReport,
  SIGNATURE_HEADER,
  verifySignature,
} from '@vigil/contracts';

/**
 * The controller's monitor intake, reduced to what these tests look at: verifies every body's HMAC with
 * the host's derived secret (401 otherwise) and keeps what was accepted, with arrival times.
 */
export class HeartbeatReceiver {
  readonly heartbeats: { hb: Heartbeat; atMs: number }[] = [];
  readonly instanceEvents: InstanceEventReport[] = [];
  rejected = 0;
  private readonly server: Server;

  constructor(private readonly masterKey: string) {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const host = String(req.headers[HOST_HEADER] ?? '');
        const signature = req.headers[SIGNATURE_HEADER];
        const check = verifySignature(
          deriveHostSecret(this.masterKey, host),
          raw,
          typeof signature === 'string' ? signature : undefined,
          Date.now(),
        );
        if (!check.ok) {
          this.rejected += 1;
          res.writeHead(401).end();
          return;
        }
        if (req.url === HEARTBEAT_PATH)
          this.heartbeats.push({ hb: JSON.parse(raw) as Heartbeat, atMs: Date.now() });
        else this.instanceEvents.push(JSON.parse(raw) as InstanceEventReport);
        res.writeHead(202).end();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  hosts(): Set<string> {
    return new Set(this.heartbeats.map((h) => h.hb.host));
  }

  countFrom(host: string, sinceMs = 0): number {
    return this.heartbeats.filter((h) => h.hb.host === host && h.atMs >= sinceMs).length;
  }

  last(host: string): Heartbeat | undefined {
    return this.heartbeats.filter((h) => h.hb.host === host).at(-1)?.hb;
  }
}
