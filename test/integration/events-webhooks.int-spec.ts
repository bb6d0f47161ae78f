import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { IncidentEventPublisher } from '../../apps/controller/src/events/incident-event-publisher';

const SECRET = 'event-signing-secret-0123456789';

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
}

/** A loopback webhook receiver that answers each request with the next scripted status (then 200). */
class Receiver {
  readonly requests: Received[] = [];
  script: number[] = [];
  hang = false;
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        if (this.hang) {
          this.hanging.push(res);
          return;
        }
        res.writeHead(this.script.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function verify(secret: string, r: Received): boolean {
  const header = r.headers['x-vigil-signature'];
  if (typeof header !== 'string') return false;
  const expected = `sha256=${createHmac('sha256', secret).update(r.raw).digest('hex')}`;
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

describe('outbound CloudEvents webhooks (real controller, loopback receivers)', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  const signed = new Receiver();
  const fenceOnly = new Receiver();
  const refusing = new Receiver();
  const stuck = new Receiver();
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'events-test:' },
      events: {
        source: '/vigil/test',
        maxQueued: 2,
        maxAttempts: 4,
        retryBaseDelayMs: 20,
        retryMaxDelayMs: 100,
        webhooks: [
          { url: await signed.start(), secret: SECRET },
          { url: await fenceOnly.start(), types: ['io.vigil.incident.fenced'] },
          { url: await refusing.start() },
          { url: await stuck.start(), timeoutMs: 60_000 },
        ],
      },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'events', destination: logs }),
    });
  });

  afterAll(async () => {
    await controller?.close();
    for (const r of [signed, fenceOnly, refusing, stuck]) await r.stop();
    await redis?.stop();
  });

  it('delivers a signed CloudEvent, retrying after 500s, and filters by type per receiver', async () => {
    signed.script = [500, 503];
    refusing.script = [400];
    stuck.hang = true;
    const publisher = controller.app.get(IncidentEventPublisher);
    publisher.publish({
      type: 'incident.fenced',
      host: 'cmp-01',
      incidentId: 'inc-42',
      data: { driver: 'ipmitool', powerState: 'off' },
      time: new Date('2026-05-01T10:02:00Z'),
    });
    publisher.publish({ type: 'incident.recovered', host: 'cmp-01', incidentId: 'inc-42' });

    await waitFor(() => signed.requests.length >= 4, {
      what: '2 failed + 2 delivered POSTs to the signed receiver',
    });
    const [first, second, third, fourth] = signed.requests;
    // The same bytes were retried: one event id, re-sent after the 500 and the 503.
    expect([first?.raw, second?.raw]).toEqual([third?.raw, third?.raw]);
    for (const r of signed.requests) {
      expect(r.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(verify(SECRET, r)).toBe(true);
      expect(verify('some-other-secret-000000', r)).toBe(false);
    }
    const fenced = JSON.parse(third?.raw ?? '{}') as Record<string, unknown>;
    expect(fenced).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: '/vigil/test',
      type: 'io.vigil.incident.fenced',
      time: '2026-05-01T10:02:00.000Z',
      subject: 'cmp-01',
      datacontenttype: 'application/json',
      data: { host: 'cmp-01', incidentId: 'inc-42', driver: 'ipmitool', powerState: 'off' },
    });
    expect(JSON.parse(fourth?.raw ?? '{}')).toMatchObject({
      type: 'io.vigil.incident.recovered',
      subject: 'cmp-01',
    });

    await waitFor(() => fenceOnly.requests.length >= 1, {
      what: 'the fenced event at the filtered receiver',
    });
    expect(fenceOnly.requests.map((r) => (JSON.parse(r.raw) as { type: string }).type)).toEqual([
      'io.vigil.incident.fenced',
    ]);
    expect(fenceOnly.requests[0]?.headers['x-vigil-signature']).toBeUndefined();

    // A 4xx is final: no retry.
    await waitFor(() => refusing.requests.length >= 2, { what: 'both events at the refusing receiver' });
    const metrics = async () => (await fetch(`${controller.url}/metrics`)).text();
    await waitFor(
      async () => /vigil_event_deliveries_total\{result="delivered"\} 4\n/.test(await metrics()),
      {
        what: '4 deliveries counted (2 signed, 1 filtered, 1 refusing second event)',
      },
    );
    expect(refusing.requests).toHaveLength(2);
    expect(await metrics()).toMatch(/vigil_event_deliveries_total\{result="failed"\} 1\n/);
  });

  it('never blocks the caller: a hung receiver fills only its own bounded queue, and drops are counted', async () => {
    const publisher = controller.app.get(IncidentEventPublisher);
    const before = signed.requests.length;
    // The stuck receiver has the fenced event in flight and the recovered one queued; 3 more overflow
    // its queue (max 2) by 2. The healthy receiver takes them all (1 in flight + 2 queued).
    for (let i = 0; i < 3; i++)
      publisher.publish({ type: 'incident.opened', host: `cmp-1${i}`, incidentId: `inc-${i}` });
    await waitFor(() => signed.requests.length >= before + 3, {
      what: 'the healthy receiver still getting every event',
    });
    const text = await (await fetch(`${controller.url}/metrics`)).text();
    const dropped = /vigil_event_deliveries_total\{result="dropped"\} (\d+)\n/.exec(text);
    expect(Number(dropped?.[1])).toBe(2);
    expect(text).toMatch(/vigil_queue_depth\{queue="events:3"\} 3\n/);
    expect(logs.linesContaining('event queue full').length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(SECRET);
  });
});
