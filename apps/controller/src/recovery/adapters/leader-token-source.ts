import { ErrorCode, VigilError } from '@vigil/contracts';
import { type LeaderLease } from '../../leadership';
import { type FencingTokenSource, LEADERSHIP_LOST } from '../ports';

/** Recovery's fencing tokens from the leader lease: writes only while leading, workers only on the leader. */
export class LeaderTokenSource implements FencingTokenSource {
  constructor(private readonly lease: LeaderLease) {}

  current(): Promise<number> {
    const token = this.lease.token;
    if (token === undefined)
      return Promise.reject(
        new VigilError(
          ErrorCode.CONFLICT,
          'not the leader: recovery state is read-only here',
          LEADERSHIP_LOST,
        ),
      );
    return Promise.resolve(token);
  }

  onChange(listener: (leading: boolean) => void): void {
    this.lease.onChange(listener);
  }

  isLeader(): boolean {
    return this.lease.isLeader;
  }
}
