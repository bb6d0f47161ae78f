import { Injectable } from '@nestjs/common';
import { LeaderLease } from '../leadership/leader-lease';
import { type LeadershipStatusPort } from './readiness-ports';

/** `LeadershipStatusPort` over the Redis leader lease. */
@Injectable()
export class LeaderLeaseStatus implements LeadershipStatusPort {
  constructor(private readonly lease: LeaderLease) {}

  async leaderKnown(): Promise<boolean> {
    if (this.lease.isLeader) return true;
    const status = await this.lease.status();
    return status.leaderId !== undefined;
  }

  isLeader(): boolean {
    return this.lease.isLeader;
  }
}
