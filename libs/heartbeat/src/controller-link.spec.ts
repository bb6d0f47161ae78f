import { createLogger } from '@vigil/config';
import { LogCapture } from '@vigil/testing';
import { type Clock } from './clock';
import { ControllerLink, FAILBACK_AFTER_POSTS, homeIndex } from './controller-link';
import { type HttpTransport } from './http-transport';

const URLS = ['http://a', 'http://b', 'http://c'];
const clock: Clock = { nowMs: () => 1_700_000_000_000, monoMs: () => 0, sleep: () => Promise.resolve() };

/** Refuses connections to the hosts in `down`, answers 204 otherwise; records the hosts asked. */
class Replicas implements HttpTransport {
  readonly asked: string[] = [];
  readonly down = new Set<string>();
  post(url: string): Promise<{ status: number }> {
    const host = new URL(url).host;
    this.asked.push(host);
    if (this.down.has(host)) return Promise.reject(new TypeError('fetch failed'));
    return Promise.resolve({ status: 204 });
  }
}

function link(host: string, transport: HttpTransport, spread: boolean): ControllerLink {
  const logger = createLogger({ name: 'test', destination: new LogCapture() });
  return new ControllerLink(
    { host, secret: 's'.repeat(32), urls: URLS, requestTimeoutMs: 100, spread },
    transport,
    clock,
    logger,
  );
}

describe('ControllerLink spreading', () => {
  it('without spreading every host starts at the first URL', async () => {
    const transport = new Replicas();
    for (let i = 0; i < 20; i++) await link(`cmp-${i}`, transport, false).post('/x', '{}');
    expect(new Set(transport.asked)).toEqual(new Set(['a']));
  });

  it('with spreading a fleet divides over the replicas by host name, the same on every start', async () => {
    const transport = new Replicas();
    for (let i = 0; i < 300; i++) await link(`cmp-${i}`, transport, true).post('/x', '{}');
    const counts = ['a', 'b', 'c'].map((h) => transport.asked.filter((x) => x === h).length);
    for (const c of counts) expect(c).toBeGreaterThan(60);
    expect(homeIndex('cmp-7', 3)).toBe(homeIndex('cmp-7', 3));
  });

  it('fails over while its replica is down and returns to it after FAILBACK_AFTER_POSTS posts', async () => {
    const transport = new Replicas();
    const host = 'cmp-42';
    const home = ['a', 'b', 'c'][homeIndex(host, 3)] ?? 'a';
    const l = link(host, transport, true);
    transport.down.add(home);
    expect((await l.post('/x', '{}')).kind).toBe('accepted');
    expect(transport.asked[0]).toBe(home);
    transport.down.clear();
    transport.asked.length = 0;
    for (let i = 0; i < FAILBACK_AFTER_POSTS; i++) await l.post('/x', '{}');
    expect(transport.asked.slice(0, -1).every((h) => h !== home)).toBe(true);
    expect(transport.asked.at(-1)).toBe(home);
  });
});
