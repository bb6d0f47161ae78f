import { ErrorCode, VigilError } from '@vigil/contracts';
import { pyRepr } from './common';
import { parseHostCreate } from './host';
import { parseNotificationCreate } from './notification';
import { parseSegmentCreate } from './segment';

/** `[[[...]]]` nested `depth` levels: 5,000 is a 10 KB body, under the API's body limit. */
function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

function badRequest(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected a 400');
}

// Issue 19: the validation message was built recursively and overflowed the stack (500).
describe('bodies nested 5,000 deep are a 400, not a stack overflow', () => {
  const deep = deepArray(5_000);

  it.each([
    ['a whole segment body', () => parseSegmentCreate(deep, 3)],
    ['a segment name', () => parseSegmentCreate({ segment: { name: deep } }, 3)],
    ['a segment body', () => parseSegmentCreate({ segment: deep }, 3)],
    ['a host name', () => parseHostCreate({ host: { name: deep, type: 'COMPUTE' } })],
    ['a notification payload', () => parseNotificationCreate({ notification: { payload: deep } })],
    ['a notification type', () => parseNotificationCreate({ notification: { type: deep } })],
  ])('%s', (_what, parse) => {
    const err = badRequest(parse);
    expect(err.code).toBe(ErrorCode.BAD_REQUEST);
    expect(err.message.length).toBeLessThan(2_000);
  });

  it('pyRepr elides what lies deeper than its depth limit', () => {
    expect(pyRepr([[1, { a: 'x' }]])).toBe("[[1, {'a': 'x'}]]");
    expect(pyRepr(deep)).toMatch(/^\[{32}\[\.\.\.\]\]{32}$/);
  });
});
