import { PartitionBook } from './partitions';
import { PowerLog } from './power-log';

describe('partition book', () => {
  it('a host in two partitions takes the stronger scope until that one heals', () => {
    const book = new PartitionBook();
    const rack = book.open({ hosts: ['a', 'b'], scope: 'controller' }, 1000);
    const one = book.open({ hosts: ['b'], scope: 'everything', durationMs: 500, label: 'x' }, 1000);
    expect(one).toMatchObject({ id: 'p-2', healsAtMs: 1500, label: 'x' });
    expect(rack.healsAtMs).toBeNull();
    expect([book.scopeOf('a'), book.scopeOf('b'), book.scopeOf('c')]).toEqual([
      'controller',
      'everything',
      null,
    ]);
    expect(book.close(one.id)).toBe(one);
    expect(book.close(one.id)).toBeUndefined();
    expect(book.scopeOf('b')).toBe('controller');
  });

  it('removing a host closes the partitions it leaves empty', () => {
    const book = new PartitionBook();
    book.open({ hosts: ['a'], scope: 'everything' }, 0);
    book.open({ hosts: ['a', 'b', 'b'], scope: 'controller-and-peers' }, 0);
    expect(book.removeHost('a')).toEqual(['p-1']);
    expect(book.list()).toEqual([expect.objectContaining({ id: 'p-2', hosts: ['b'] })]);
    expect(book.scopeOf('a')).toBeNull();
  });
});

describe('power log', () => {
  it('numbers transitions and filters by host, seq and time', () => {
    const log = new PowerLog();
    log.record({ atMs: 10, host: 'a', from: 'On', to: 'Off', boot: 1, cause: 'power-off', by: 'x' });
    log.record({ atMs: 20, host: 'b', from: 'On', to: 'Off', boot: 1, cause: 'bmc ForceOff', by: 'y' });
    log.record({ atMs: 30, host: 'a', from: 'Off', to: 'On', boot: 2, cause: 'power-on', by: 'x' });
    expect(log.list({ host: 'a' }).map((t) => t.seq)).toEqual([1, 3]);
    expect(log.list({ sinceSeq: 1 }).map((t) => t.seq)).toEqual([2, 3]);
    expect(log.list({ sinceMs: 20 }).map((t) => t.seq)).toEqual([2, 3]);
    expect(log.powerOffs().map((t) => t.host)).toEqual(['a', 'b']);
    expect(log.list()[0]?.at).toBe('1970-01-01T00:00:00.010Z');
  });
});
