export { LeaderLease, type LeadershipStatus } from './leader-lease';
export { type FencedOp } from './fenced-writes';
export { LeadershipModule } from './leadership.module';
