import { readRequestedVersion } from './request-version';

describe('readRequestedVersion', () => {
  it.each([
    [undefined, undefined, { kind: 'ok', minor: 1 }],
    ['compute 2.53', undefined, { kind: 'ok', minor: 53 }],
    [undefined, '2.11', { kind: 'ok', minor: 11 }],
    // The standard header wins over the legacy one.
    ['compute 2.60', '2.11', { kind: 'ok', minor: 60 }],
    ['instance-ha 1.1, compute 2.20', undefined, { kind: 'ok', minor: 20 }],
    ['instance-ha 1.1', '2.30', { kind: 'ok', minor: 30 }],
    ['compute latest', undefined, { kind: 'ok', minor: 93 }],
    ['compute 2.95', undefined, { kind: 'unsupported', raw: '2.95' }],
    ['compute 2.0', undefined, { kind: 'unsupported', raw: '2.0' }],
    ['compute 3.1', undefined, { kind: 'unsupported', raw: '3.1' }],
    ['compute two', undefined, { kind: 'malformed', raw: 'two' }],
    [undefined, '2.x', { kind: 'malformed', raw: '2.x' }],
  ])('%j / %j → %j', (standard, legacy, expected) => {
    expect(readRequestedVersion(standard, legacy, 93)).toEqual(expected);
  });
});
