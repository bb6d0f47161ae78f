export { FakeRbd } from './rbd-fake';
export type { FakeRbdImage } from './rbd-fake';
