import { randomUUID } from 'node:crypto';
import { type AggregateRecord, type Clock, NovaFault } from './types';

/** Host aggregates (openstack-api.md §5.2): integer ids, 404 unknown host, 409 already a member. */
export class AggregateRegistry {
  private readonly byId = new Map<number, AggregateRecord>();
  private nextId = 1;

  constructor(
    private readonly clock: Clock,
    private readonly hostExists: (host: string) => boolean,
  ) {}

  create(name: string, hosts: string[] = [], availabilityZone: string | null = null): AggregateRecord {
    const now = this.clock.now();
    const aggregate: AggregateRecord = {
      id: this.nextId++,
      uuid: randomUUID(),
      name,
      availabilityZone,
      hosts: [],
      metadata: availabilityZone ? { availability_zone: availabilityZone } : {},
      createdMs: now,
      updatedMs: now,
    };
    this.byId.set(aggregate.id, aggregate);
    for (const host of hosts) this.addHost(aggregate.id, host);
    return aggregate;
  }

  list(): AggregateRecord[] {
    return [...this.byId.values()];
  }

  addHost(id: number, host: string): AggregateRecord {
    const aggregate = this.require(id);
    if (!this.hostExists(host)) throw new NovaFault(404, `Compute host ${host} could not be found.`);
    if (aggregate.hosts.includes(host)) throw new NovaFault(409, `Aggregate ${id} already has host ${host}.`);
    aggregate.hosts.push(host);
    aggregate.updatedMs = this.clock.now();
    return aggregate;
  }

  /** Nova's `set_metadata` action: keys with a null value are removed (tests set racks and PDUs with it). */
  setMetadata(id: number, metadata: Record<string, string | null>): AggregateRecord {
    const aggregate = this.require(id);
    for (const [key, value] of Object.entries(metadata))
      if (value === null) delete aggregate.metadata[key];
      else aggregate.metadata[key] = value;
    aggregate.updatedMs = this.clock.now();
    return aggregate;
  }

  removeHost(id: number, host: string): AggregateRecord {
    const aggregate = this.require(id);
    if (!aggregate.hosts.includes(host))
      throw new NovaFault(404, `Cannot remove host ${host} in aggregate ${id}`);
    aggregate.hosts = aggregate.hosts.filter((h) => h !== host);
    aggregate.updatedMs = this.clock.now();
    return aggregate;
  }

  private require(id: number): AggregateRecord {
    const aggregate = this.byId.get(id);
    if (!aggregate) throw new NovaFault(404, `Aggregate ${id} could not be found.`);
    return aggregate;
  }
}
