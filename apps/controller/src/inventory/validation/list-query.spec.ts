import { ErrorCode, VigilError } from '@vigil/contracts';
import {
  SEGMENT_SORT_KEYS,
  boolFromString,
  parseHostFilters,
  parsePageQuery,
  parseSegmentFilters,
  sortAndPage,
} from './list-query';

const opts = { sortKeys: SEGMENT_SORT_KEYS, maxLimit: 3 };

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError && err.code === ErrorCode.BAD_REQUEST) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('parsePageQuery', () => {
  it.each([
    [
      {},
      {
        limit: 3,
        sort: [
          { key: 'created_at', dir: 'desc' },
          { key: 'id', dir: 'desc' },
        ],
      },
    ],
    [
      { limit: '2' },
      {
        limit: 2,
        sort: [
          { key: 'created_at', dir: 'desc' },
          { key: 'id', dir: 'desc' },
        ],
      },
    ],
    [
      { limit: '99' },
      {
        limit: 3,
        sort: [
          { key: 'created_at', dir: 'desc' },
          { key: 'id', dir: 'desc' },
        ],
      },
    ],
    [
      { sort_key: ['name', 'id'], sort_dir: ['asc'], marker: '4' },
      {
        limit: 3,
        marker: '4',
        sort: [
          { key: 'name', dir: 'asc' },
          { key: 'id', dir: 'asc' },
          { key: 'created_at', dir: 'asc' },
        ],
      },
    ],
  ])('parses %j', (query, expected) => {
    expect(parsePageQuery(query, opts)).toEqual(expected);
  });

  it.each([
    [{ limit: 'x' }, 'limit param must be an integer'],
    [{ limit: '-1' }, 'limit param must be positive'],
    [{ sort_key: 'colour' }, 'Invalid sort_key: colour'],
    [{ sort_key: 'name', sort_dir: 'up' }, "Unknown sort direction, must be 'desc' or 'asc'"],
    [{ sort_key: 'name', sort_dir: ['asc', 'desc'] }, 'Sort direction size exceeds sort key size'],
  ])('rejects %j', (query, message) => {
    expect(rejection(() => parsePageQuery(query, opts))).toContain(message);
  });
});

describe('sortAndPage', () => {
  const items = [
    { id: 1, name: 'b', created_at: '2024-01-01T00:00:00.000000' },
    { id: 2, name: 'a', created_at: '2024-01-01T00:00:00.000000' },
    { id: 3, name: 'c', created_at: '2024-01-02T00:00:00.000000' },
  ];
  const valueOf = (i: (typeof items)[number], key: string) => i[key as keyof typeof i];

  it.each([
    [{}, undefined, [3, 2, 1]],
    [{ sort_key: 'name', sort_dir: 'asc' }, undefined, [2, 1, 3]],
    [{ sort_key: 'name', sort_dir: 'asc', limit: '1' }, 1, [3]],
    [{ limit: '2' }, 2, [1]],
  ])('%j after marker %p gives %j', (query, markerId, ids) => {
    const page = parsePageQuery(query, opts);
    const marker = items.find((i) => i.id === markerId);
    expect(sortAndPage(items, page, marker, valueOf).map((i) => i.id)).toEqual(ids);
  });
});

describe('filters', () => {
  it.each([
    ['yes', false, true],
    ['0', true, false],
    ['maybe', false, false],
  ])('boolFromString(%p, strict=%p) = %p', (value, strict, expected) => {
    expect(boolFromString(value, strict, 'x')).toBe(expected);
  });

  it('treats a non-boolean segment enabled filter as false', () => {
    expect(parseSegmentFilters({ enabled: 'maybe', recovery_method: 'nope' })).toEqual({
      enabled: false,
      recovery_method: 'nope',
    });
  });

  it('rejects a non-boolean host reserved filter', () => {
    expect(rejection(() => parseHostFilters({ reserved: 'maybe' }))).toContain('reserved');
  });
});
