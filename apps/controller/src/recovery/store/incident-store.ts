import { ErrorCode, VigilError } from '@vigil/contracts';
import { type Redis, withRedis } from '@vigil/redis';
import {
  type AuditEntry,
  type EvacuateMarker,
  type IncidentRecord,
  type MoveRecord,
  type TierProgress,
  type TimelineEntry,
} from '../model';
import { type IncidentPhase } from '../workflow/state-machine';
import { LEADERSHIP_LOST } from '../ports';

/**
 * Every write compares the caller's fencing token with the highest one seen; a lower token (a deposed
 * replica) is refused. `casphase` also checks the stored phase, so exactly one writer wins a transition.
 */
const GUARDED_WRITE = `
local high = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = tonumber(ARGV[1])
if t < high then return -1 end
if t > high then redis.call('SET', KEYS[1], ARGV[1]) end
local op = ARGV[2]
if op == 'set' then redis.call('SET', KEYS[2], ARGV[3]) return 1 end
if op == 'setnx' then if redis.call('SET', KEYS[2], ARGV[3], 'NX') then return 1 end return 0 end
if op == 'hset' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) return 1 end
if op == 'casphase' then
  local cur = redis.call('GET', KEYS[2])
  if not cur then return 0 end
  if cjson.decode(cur)['phase'] ~= ARGV[3] then return 0 end
  redis.call('SET', KEYS[2], ARGV[4])
  return 1
end
if op == 'casfield' then
  local cur = redis.call('GET', KEYS[2])
  if not cur then return 0 end
  if tostring(cjson.decode(cur)[ARGV[3]]) ~= ARGV[4] then return 0 end
  redis.call('SET', KEYS[2], ARGV[5])
  return 1
end
return redis.error_reply('unknown op ' .. op)
`;

/** Recovery's own Redis keys: incidents, moves, markers, timelines, audit. Nothing else writes them. */
export class IncidentStore {
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.p = `${keyPrefix}recovery:`;
    this.redis.defineCommand('vigilGuardedWrite', { numberOfKeys: 2, lua: GUARDED_WRITE });
  }

  private key(...parts: string[]): string {
    return this.p + parts.join(':');
  }

  private async guarded(token: number, key: string, op: string, ...args: string[]): Promise<number> {
    const result = await withRedis(() =>
      (this.redis as unknown as GuardedRedis).vigilGuardedWrite(this.key('token'), key, token, op, ...args),
    );
    if (result === -1)
      throw new VigilError(
        ErrorCode.CONFLICT,
        'a newer leader holds recovery: this replica must stop writing',
        { ...LEADERSHIP_LOST, token },
      );
    return result;
  }

  /** Creates the incident unless it exists; true when this call created it. */
  async create(token: number, incident: IncidentRecord): Promise<boolean> {
    const created = await this.guarded(
      token,
      this.key('incident', incident.id),
      'setnx',
      JSON.stringify(incident),
    );
    if (created === 1)
      await withRedis(async () => {
        await this.redis.zadd(this.key('incidents'), Date.parse(incident.createdAt), incident.id);
        await this.redis.sadd(this.key('host-incidents', incident.host), incident.id);
      });
    return created === 1;
  }

  /**
   * Creates the incident unless it exists, without a fencing token: SET NX is safe from any replica, so a
   * follower can accept a notification and the leader's workers run it.
   */
  async createIfAbsent(incident: IncidentRecord): Promise<boolean> {
    const ok = await withRedis(() =>
      this.redis.set(this.key('incident', incident.id), JSON.stringify(incident), 'NX'),
    );
    if (ok !== 'OK') return false;
    await withRedis(async () => {
      await this.redis.zadd(this.key('incidents'), Date.parse(incident.createdAt), incident.id);
      await this.redis.sadd(this.key('host-incidents', incident.host), incident.id);
    });
    return true;
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const raw = await withRedis(() => this.redis.get(this.key('incident', id)));
    return raw ? (JSON.parse(raw) as IncidentRecord) : undefined;
  }

  async require(id: string): Promise<IncidentRecord> {
    const incident = await this.get(id);
    if (!incident) throw new VigilError(ErrorCode.NOT_FOUND, `Incident ${id} could not be found.`);
    return incident;
  }

  async put(token: number, incident: IncidentRecord): Promise<void> {
    await this.guarded(token, this.key('incident', incident.id), 'set', JSON.stringify(incident));
  }

  /** Writes `next` only if the stored phase is still `from`; false when someone else moved it first. */
  async transition(token: number, from: IncidentPhase, next: IncidentRecord): Promise<boolean> {
    return (
      (await this.guarded(token, this.key('incident', next.id), 'casphase', from, JSON.stringify(next))) === 1
    );
  }

  async list(limit: number): Promise<IncidentRecord[]> {
    const ids = await withRedis(() => this.redis.zrevrange(this.key('incidents'), 0, limit - 1));
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.filter((i): i is IncidentRecord => i !== undefined);
  }

  async incidentsOfHost(host: string): Promise<IncidentRecord[]> {
    const ids = await withRedis(() => this.redis.smembers(this.key('host-incidents', host)));
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.filter((i): i is IncidentRecord => i !== undefined);
  }

  async putMove(token: number, incidentId: string, move: MoveRecord): Promise<void> {
    await this.guarded(token, this.key('moves', incidentId), 'hset', move.instanceId, JSON.stringify(move));
  }

  async getMove(incidentId: string, instanceId: string): Promise<MoveRecord | undefined> {
    const raw = await withRedis(() => this.redis.hget(this.key('moves', incidentId), instanceId));
    return raw ? (JSON.parse(raw) as MoveRecord) : undefined;
  }

  async moves(incidentId: string): Promise<MoveRecord[]> {
    const all = await withRedis(() => this.redis.hgetall(this.key('moves', incidentId)));
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as MoveRecord)
      .sort((a, b) => a.order - b.order);
  }

  /** True when this call placed the marker; false when the attempt was already marked (issued before). */
  async markEvacuateIssued(
    token: number,
    incidentId: string,
    instanceId: string,
    marker: EvacuateMarker,
  ): Promise<boolean> {
    const key = this.key('issued', incidentId, instanceId, String(marker.attempt));
    return (await this.guarded(token, key, 'setnx', JSON.stringify(marker))) === 1;
  }

  async recordEvacuateOutcome(
    token: number,
    incidentId: string,
    instanceId: string,
    marker: EvacuateMarker,
  ): Promise<void> {
    const key = this.key('issued', incidentId, instanceId, String(marker.attempt));
    await this.guarded(token, key, 'set', JSON.stringify(marker));
  }

  async evacuateMarker(
    incidentId: string,
    instanceId: string,
    attempt: number,
  ): Promise<EvacuateMarker | undefined> {
    const raw = await withRedis(() =>
      this.redis.get(this.key('issued', incidentId, instanceId, String(attempt))),
    );
    return raw ? (JSON.parse(raw) as EvacuateMarker) : undefined;
  }

  async appendTimeline(incidentId: string, entry: TimelineEntry): Promise<void> {
    await withRedis(() => this.redis.rpush(this.key('timeline', incidentId), JSON.stringify(entry)));
  }

  async timeline(incidentId: string): Promise<TimelineEntry[]> {
    const raw = await withRedis(() => this.redis.lrange(this.key('timeline', incidentId), 0, -1));
    return raw.map((r) => JSON.parse(r) as TimelineEntry);
  }

  async setAbortRequested(incidentId: string, entry: AuditEntry): Promise<void> {
    await withRedis(() => this.redis.set(this.key('abort', incidentId), JSON.stringify(entry)));
  }

  /** An operator's retry after an abort asks for the moves again: the abort no longer holds. */
  async clearAbortRequested(incidentId: string): Promise<void> {
    await withRedis(() => this.redis.del(this.key('abort', incidentId)));
  }

  async abortRequested(incidentId: string): Promise<boolean> {
    return (await withRedis(() => this.redis.exists(this.key('abort', incidentId)))) === 1;
  }

  async setOperatorFence(incidentId: string, entry: AuditEntry): Promise<void> {
    await withRedis(() => this.redis.set(this.key('operator-fence', incidentId), JSON.stringify(entry)));
  }

  async operatorFence(incidentId: string): Promise<AuditEntry | undefined> {
    const raw = await withRedis(() => this.redis.get(this.key('operator-fence', incidentId)));
    return raw ? (JSON.parse(raw) as AuditEntry) : undefined;
  }

  async audit(entry: AuditEntry): Promise<void> {
    await withRedis(() => this.redis.rpush(this.key('audit'), JSON.stringify(entry)));
  }

  async auditLog(): Promise<AuditEntry[]> {
    const raw = await withRedis(() => this.redis.lrange(this.key('audit'), 0, -1));
    return raw.map((r) => JSON.parse(r) as AuditEntry);
  }

  /** When a wait named `name` started (set on the first call, kept a day), so timeouts survive restarts. */
  async waitingSince(name: string, nowMs: number): Promise<number> {
    const key = this.key('waiting', name);
    await withRedis(() => this.redis.set(key, String(nowMs), 'EX', 86_400, 'NX'));
    return Number((await withRedis(() => this.redis.get(key))) ?? nowMs);
  }

  /** Where an incident's round stands in its restart tiers (undefined before its first tier started). */
  async tierProgress(incidentId: string, round: number): Promise<TierProgress | undefined> {
    const raw = await withRedis(() => this.redis.get(this.key('tiers', incidentId, `r${round}`)));
    return raw ? (JSON.parse(raw) as TierProgress) : undefined;
  }

  /** Records the round's first tier unless a record exists (a resumed run keeps the stored one). */
  async startTiers(token: number, incidentId: string, round: number, progress: TierProgress): Promise<void> {
    await this.guarded(token, this.key('tiers', incidentId, `r${round}`), 'setnx', JSON.stringify(progress));
  }

  /** Moves the round from tier `from` to `next.current`; false when another run moved it first. */
  async advanceTier(
    token: number,
    incidentId: string,
    round: number,
    from: number,
    next: TierProgress,
  ): Promise<boolean> {
    const key = this.key('tiers', incidentId, `r${round}`);
    return (await this.guarded(token, key, 'casfield', 'current', String(from), JSON.stringify(next))) === 1;
  }

  /** Claims the host for one incident at a time; returns the incident already holding it, if any. */
  async claimHost(host: string, incidentId: string): Promise<string | undefined> {
    const key = this.key('host-incident', host);
    const ok = await withRedis(() => this.redis.set(key, incidentId, 'NX'));
    if (ok === 'OK') return undefined;
    const holder = await withRedis(() => this.redis.get(key));
    return holder === incidentId ? undefined : (holder ?? undefined);
  }

  async releaseHost(host: string, incidentId: string): Promise<void> {
    const key = this.key('host-incident', host);
    const holder = await withRedis(() => this.redis.get(key));
    if (holder === incidentId) await withRedis(() => this.redis.del(key));
  }

  async hostIncident(host: string): Promise<string | undefined> {
    return (await withRedis(() => this.redis.get(this.key('host-incident', host)))) ?? undefined;
  }
}

interface GuardedRedis {
  vigilGuardedWrite(
    tokenKey: string,
    key: string,
    token: number,
    op: string,
    ...args: string[]
  ): Promise<number>;
}
