import { Module } from '@nestjs/common';
import { LeaderLease } from './leader-lease';

@Module({ providers: [LeaderLease], exports: [LeaderLease] })
export class LeadershipModule {}
