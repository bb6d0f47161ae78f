import { createServer, type Server } from 'node:net';

/**
 * The small TCP port peers connect to. Accepting the connection is the whole answer: a peer that can
 * connect knows this host's kernel and monitor are alive on that network, without ICMP.
 */
export class PeerListener {
  private server: Server | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly hostName: string,
  ) {}

  async start(): Promise<number> {
    const server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.end(`vigil-host-monitor ${this.hostName}\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
