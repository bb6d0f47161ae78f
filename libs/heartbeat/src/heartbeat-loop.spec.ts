import { createLogger } from '@vigil/config';
import { type Heartbeat, HOST_HEADER, SIGNATURE_HEADER, verifySignature } from '@vigil/contracts';
import { LogCapture } from '@vigil/testing';
import { type Clock } from './clock';
import { ControllerLink } from './controller-link';
import { HeartbeatBuilder } from './heartbeat-builder';
import { HeartbeatLoop } from './heartbeat-loop';
import { type HttpTransport } from './http-transport';

const WALL0 = 1_700_000_000_000;
const SECRET = 'unit-test-host-secret-0123456789';

/** Time moves only when the code under test sleeps; stops the loop after `maxSleeps`. */
class FakeClock implements Clock {
  mono = 0;
  readonly sleeps: number[] = [];
  constructor(
    private readonly maxSleeps: number,
    private readonly abort: AbortController,
  ) {}
  nowMs(): number {
    return WALL0 + this.mono;
  }
  monoMs(): number {
    return this.mono;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.mono += ms;
    if (this.sleeps.length >= this.maxSleeps) this.abort.abort();
    return Promise.resolve();
  }
}

type Answer = number | 'refused' | 'timeout';

/** Answers per URL from a script; records every request. */
class ScriptedTransport implements HttpTransport {
  readonly requests: { url: string; headers: Record<string, string>; body: string }[] = [];
  constructor(
    private readonly script: (url: string, attempt: number) => Answer,
    private readonly clock: FakeClock,
  ) {}
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number }> {
    this.requests.push({ url, headers, body });
    const answer = this.script(url, this.requests.length);
    if (answer === 'refused')
      return Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        }),
      );
    if (answer === 'timeout') {
      this.clock.mono += timeoutMs;
      return Promise.reject(Object.assign(new Error('aborted'), { name: 'TimeoutError' }));
    }
    return Promise.resolve({ status: answer });
  }
}

function setup(urls: string[], maxSleeps: number, script: (url: string, attempt: number) => Answer) {
  const abort = new AbortController();
  const clock = new FakeClock(maxSleeps, abort);
  const transport = new ScriptedTransport(script, clock);
  const logs = new LogCapture();
  const logger = createLogger({ name: 'test', destination: logs });
  const link = new ControllerLink(
    { host: 'cmp-01', secret: SECRET, urls, requestTimeoutMs: 300 },
    transport,
    clock,
    logger,
  );
  let probeRound = 0;
  const loop = new HeartbeatLoop(
    new HeartbeatBuilder({ host: 'cmp-01', bootId: 'boot-1', runId: 'run-1' }, 1000, clock),
    link,
    {
      components: () => ({ 'nova-compute': { state: 'ok', reason: `round ${++probeRound}` } }),
      peers: () => undefined,
    },
    1000,
    clock,
    logger,
  );
  return { abort, clock, transport, loop, logs };
}

const bodyOf = (r: { body: string }): Heartbeat => JSON.parse(r.body) as Heartbeat;

describe('HeartbeatLoop with ControllerLink', () => {
  it('the last gasp: one signed heartbeat marked goingDown, next seq, no retry', async () => {
    const { abort, clock, transport, loop } = setup(['http://ctl-a:15868/'], 1, () => 204);
    await loop.run(abort.signal);
    expect(await loop.lastGasp()).toBe(true);
    const [first, gasp] = transport.requests.map(bodyOf);
    expect(first?.goingDown).toBeUndefined();
    expect(gasp).toMatchObject({ seq: 2, goingDown: true });
    const last = transport.requests[1];
    expect(
      verifySignature(SECRET, last?.body ?? '', last?.headers[SIGNATURE_HEADER], clock.nowMs()),
    ).toMatchObject({ ok: true });
    const down = setup(['http://ctl-a:15868/'], 1, () => 'refused');
    expect(await down.loop.lastGasp()).toBe(false);
  });

  it('sends one signed heartbeat per interval with increasing seq and fresh components', async () => {
    const { abort, clock, transport, loop } = setup(['http://ctl-a:15868/'], 3, () => 204);
    await loop.run(abort.signal);
    expect(clock.sleeps).toEqual([1000, 1000, 1000]);
    expect(transport.requests.map((r) => r.url)).toEqual(
      Array(3).fill('http://ctl-a:15868/vigil/v1/heartbeats'),
    );
    expect(transport.requests.map((r) => bodyOf(r).seq)).toEqual([1, 2, 3]);
    expect(transport.requests.map((r) => bodyOf(r).components['nova-compute']?.reason)).toEqual([
      'round 1',
      'round 2',
      'round 3',
    ]);
    for (const r of transport.requests) {
      expect(r.headers[HOST_HEADER]).toBe('cmp-01');
      expect(verifySignature(SECRET, r.body, r.headers[SIGNATURE_HEADER], clock.nowMs())).toMatchObject({
        ok: true,
      });
    }
    expect(loop.stats).toMatchObject({
      accepted: 3,
      failed: 0,
      lastAcceptedUrl: 'http://ctl-a:15868/vigil/v1/heartbeats',
    });
  });

  it('fails over to the next URL on refusal, timeout or 503 and stays with the one that answered', async () => {
    const { abort, transport, loop, clock } = setup(['http://a', 'http://b', 'http://c'], 3, (url) =>
      url.startsWith('http://a') ? 'refused' : url.startsWith('http://b') ? 503 : 204,
    );
    await loop.run(abort.signal);
    expect(transport.requests.map((r) => new URL(r.url).host)).toEqual(['a', 'b', 'c', 'c', 'c']);
    // The same body went to a, b and c: a failover never rebuilds (and so never reuses a seq later).
    expect(transport.requests.slice(0, 3).map((r) => bodyOf(r).seq)).toEqual([1, 1, 1]);
    expect(clock.sleeps).toEqual([1000, 1000, 1000]);
  });

  it('backs off with a cap while no controller answers, then resumes the interval with fresh statuses', async () => {
    // Attempts 1-6 find nobody (timeouts count against the wait); from attempt 7 the controller is back.
    const { abort, clock, transport, loop, logs } = setup(['http://a'], 8, (_url, attempt) =>
      attempt <= 3 ? 'timeout' : attempt <= 6 ? 'refused' : 204,
    );
    await loop.run(abort.signal);
    expect(clock.sleeps).toEqual([700, 1700, 3700, 5000, 5000, 5000, 1000, 1000]);
    const delivered = transport.requests.slice(6).map(bodyOf);
    expect(delivered.map((h) => h.seq)).toEqual([7, 8]);
    expect(delivered[0]?.components['nova-compute']?.reason).toBe('round 7');
    expect(logs.linesContaining('no controller reachable')).toHaveLength(1);
    expect(logs.linesContaining('controller reachable"')).toHaveLength(1);
  });

  it('does not resend a body refused as replay (409) and does not back off for it', async () => {
    const { abort, clock, transport, loop } = setup(['http://a', 'http://b'], 2, (_u, attempt) =>
      attempt === 1 ? 409 : 204,
    );
    await loop.run(abort.signal);
    expect(transport.requests.map((r) => [new URL(r.url).host, bodyOf(r).seq])).toEqual([
      ['a', 1],
      ['a', 2],
    ]);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('backs off without failover when the controller rejects the signature (401), logging it once', async () => {
    const { abort, clock, transport, loop, logs } = setup(['http://a', 'http://b'], 3, () => 401);
    await loop.run(abort.signal);
    expect(transport.requests.map((r) => new URL(r.url).host)).toEqual(['a', 'a', 'a']);
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    expect(logs.linesContaining('controller rejected heartbeat')).toHaveLength(1);
    expect(logs.text()).not.toContain(SECRET);
  });
});
