import { ErrorCode } from '@vigil/contracts';
import { novaErrorCode, versionRootOf } from './nova-http';

describe('versionRootOf', () => {
  it.each([
    ['http://nova:8774/v2.1', 'http://nova:8774/v2.1/'],
    ['http://nova:8774/v2.1/', 'http://nova:8774/v2.1/'],
    ['http://nova:8774/v2.1/4f0c9a1b2c3d', 'http://nova:8774/v2.1/'],
    ['https://cloud.example/compute/v2.1', 'https://cloud.example/compute/v2.1/'],
    ['http://nova:8774/v2/abc', 'http://nova:8774/v2/'],
  ])('%s → %s', (endpoint, root) => {
    expect(versionRootOf(endpoint)).toBe(root);
  });
});

describe('novaErrorCode', () => {
  it.each([
    [400, ErrorCode.BAD_REQUEST],
    [401, ErrorCode.AUTH_FAILED],
    [403, ErrorCode.FORBIDDEN],
    [404, ErrorCode.NOT_FOUND],
    [406, ErrorCode.NOT_ACCEPTABLE],
    [409, ErrorCode.CONFLICT],
    [429, ErrorCode.UNAVAILABLE],
    [500, ErrorCode.UNAVAILABLE],
    [503, ErrorCode.UNAVAILABLE],
    [302, ErrorCode.BAD_RESPONSE],
  ])('%i → %s', (status, code) => {
    expect(novaErrorCode(status)).toBe(code);
  });
});
