import { Inject, Injectable } from '@nestjs/common';
import { type Redis, withRedis } from '@vigil/redis';
import { REDIS } from '../platform/tokens';
import { type FencingDriverName, type FencingOptionValue } from './host-fencing.validation';
import { InventoryKeys } from './inventory-keys';
import { evalScript, getJson } from './redis-json';
import { INVENTORY_KEYS } from './tokens';

/** Fencing settings as stored: secrets sealed by SecretBox. */
export interface StoredFencingSettings {
  driver: FencingDriverName;
  address: string;
  port?: number;
  username?: string;
  agent?: string;
  /** Non-secret options, in clear. */
  options: Record<string, FencingOptionValue>;
  /** Sealed password, if any. */
  password?: string;
  /** Sealed JSON of each secret option value. */
  secretOptions: Record<string, string>;
  updated_at: string;
}

/** KEYS: host record, fencing. ARGV: json. A host deleted meanwhile gets no orphan settings. */
const PUT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'host_not_found' end
redis.call('SET', KEYS[2], ARGV[1])
return 'ok'
`;

/** Owner of `host:<uuid>:fencing` (deleted together with the host by HostStore/SegmentStore scripts). */
@Injectable()
export class HostFencingStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(INVENTORY_KEYS) private readonly keys: InventoryKeys,
  ) {}

  get(hostUuid: string): Promise<StoredFencingSettings | undefined> {
    return getJson<StoredFencingSettings>(this.redis, this.keys.hostFencing(hostUuid));
  }

  async put(hostUuid: string, settings: StoredFencingSettings): Promise<'ok' | 'host_not_found'> {
    const reply = await evalScript(
      this.redis,
      PUT,
      [this.keys.host(hostUuid), this.keys.hostFencing(hostUuid)],
      [JSON.stringify(settings)],
    );
    return String(reply) as 'ok' | 'host_not_found';
  }

  /** True when something was deleted. */
  async delete(hostUuid: string): Promise<boolean> {
    return (await withRedis(() => this.redis.del(this.keys.hostFencing(hostUuid)))) > 0;
  }
}
