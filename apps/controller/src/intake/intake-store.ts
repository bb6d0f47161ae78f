import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
import { type Redis, withRedis } from '@vigil/redis';
import { type HeartbeatSighting } from '../detection/model';
import { type InstanceEvent } from '../detection/ports';
import { CONFIG, REDIS } from '../platform/tokens';

/** How long a request waits for the controller's very first Redis connection before answering 503. */
const FIRST_CONNECT_WAIT_MS = 2000;

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/**
 * Replay check and last-seen write for a batch of heartbeats, atomically, whichever replica received
 * them. Per host, `hb:pos` holds `<run>\n<seq>` of the last accepted heartbeat (`run` is a JSON string
 * of bootId and runId, so it holds no raw newline); a heartbeat of the same run must carry a higher seq.
 * ARGV: host, run, seq, sighting JSON, repeated. Returns 1 (accepted) or 0 (replay) per heartbeat. The
 * sighting carries its receipt time, so the same script call repeated (ioredis resends a command after
 * a reconnect) finds its own write and still answers 1, while a replay received later differs and is 0.
 */
const ADMIT = `
local out = {}
for i = 1, #ARGV, 4 do
  local host, run, seq = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local ok = 1
  local cur = redis.call('HGET', KEYS[1], host)
  if cur then
    local nl = string.find(cur, '\\n', 1, true)
    if nl and string.sub(cur, 1, nl - 1) == run then
      local last = tonumber(string.sub(cur, nl + 1))
      -- The same admission run twice (a client retry after a lost reply) is still the one accepted.
      if seq < last or (seq == last and redis.call('HGET', KEYS[2], host) ~= ARGV[i + 3]) then ok = 0 end
    end
  end
  if ok == 1 then
    redis.call('HSET', KEYS[1], host, run .. '\\n' .. ARGV[i + 2])
    redis.call('HSET', KEYS[2], host, ARGV[i + 3])
  end
  out[#out + 1] = ok
end
return out
`;

interface AdmittingRedis {
  vigilAdmitHeartbeats(posKey: string, seenKey: string, ...args: string[]): Promise<number[]>;
}

/** A heartbeat on its way into Redis: the host and what the detector will read of it. */
export interface Admission {
  host: string;
  sighting: HeartbeatSighting;
}

/** The only owner of intake's Redis keys: last sighting per host, and instance events when no sink is wired. */
@Injectable()
export class IntakeStore {
  private readonly seenKey: string;
  private readonly posKey: string;
  private readonly prefix: string;
  private everReady = false;
  private readonly firstReady: Promise<void>;

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.prefix = config.redis.keyPrefix;
    this.seenKey = `${this.prefix}hb:seen`;
    this.posKey = `${this.prefix}hb:pos`;
    redis.defineCommand('vigilAdmitHeartbeats', { numberOfKeys: 2, lua: ADMIT });
    this.everReady = redis.status === 'ready';
    this.firstReady = this.everReady
      ? Promise.resolve()
      : new Promise((resolve) =>
          redis.once('ready', () => {
            this.everReady = true;
            resolve();
          }),
        );
  }

  private get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * Throws UNAVAILABLE (503) while Redis is down, so intake does not buffer blindly. Free while the
   * connection is ready; otherwise one PING decides (the client may still be connecting).
   */
  async ensureReachable(): Promise<void> {
    if (this.ready) return;
    // Right after boot the first connection may still be in progress: give it a moment, once.
    if (!this.everReady) await Promise.race([this.firstReady, delay(FIRST_CONNECT_WAIT_MS)]);
    if (this.ready) return;
    await withRedis(() => this.redis.ping());
  }

  /**
   * Admits a batch in one script call (one round trip however many hosts): per heartbeat, whether it
   * was accepted (true) or replays a seq some replica already accepted (false).
   */
  async admit(batch: readonly Admission[]): Promise<boolean[]> {
    if (batch.length === 0) return [];
    const args: string[] = [];
    for (const { host, sighting } of batch)
      args.push(host, runOf(sighting), String(sighting.seq), JSON.stringify(sighting));
    const results = await withRedis(() =>
      (this.redis as unknown as AdmittingRedis).vigilAdmitHeartbeats(this.posKey, this.seenKey, ...args),
    );
    return results.map((r) => r === 1);
  }

  async readAll(): Promise<Map<string, HeartbeatSighting>> {
    const raw = await withRedis(() => this.redis.hgetall(this.seenKey));
    const out = new Map<string, HeartbeatSighting>();
    for (const [host, json] of Object.entries(raw)) out.set(host, JSON.parse(json) as HeartbeatSighting);
    return out;
  }

  async appendInstanceEvent(
    host: string,
    event: InstanceEvent & { receivedAt: number },
    keep: number,
  ): Promise<void> {
    const key = `${this.prefix}intake:instance-events:${host}`;
    await withRedis(() =>
      this.redis
        .multi()
        .lpush(key, JSON.stringify(event))
        .ltrim(key, 0, keep - 1)
        .exec(),
    );
  }

  async listInstanceEvents(host: string): Promise<Array<InstanceEvent & { receivedAt: number }>> {
    const key = `${this.prefix}intake:instance-events:${host}`;
    const raw = await withRedis(() => this.redis.lrange(key, 0, -1));
    return raw.map((j) => JSON.parse(j) as InstanceEvent & { receivedAt: number });
  }
}

/** A monitor run, as the replay check compares it: unambiguous whatever the ids contain. */
function runOf(s: HeartbeatSighting): string {
  return JSON.stringify([s.bootId, s.runId]);
}
