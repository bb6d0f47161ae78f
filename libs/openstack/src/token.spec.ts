import { type CatalogEntry, parseExpiresAt, selectEndpoint } from './token';

describe('parseExpiresAt', () => {
  it.each([
    ['2024-05-01T11:00:00.000000Z', Date.UTC(2024, 4, 1, 11, 0, 0)],
    ['2024-05-01T11:00:00.123456Z', Date.UTC(2024, 4, 1, 11, 0, 0, 123)],
    ['2024-05-01T11:00:00Z', Date.UTC(2024, 4, 1, 11, 0, 0)],
    // isoformat() of an application credential's expiry: no offset means UTC.
    ['2024-05-01T11:00:00', Date.UTC(2024, 4, 1, 11, 0, 0)],
    ['2024-05-01T11:00:00.5', Date.UTC(2024, 4, 1, 11, 0, 0, 500)],
    ['2024-05-01T13:00:00+02:00', Date.UTC(2024, 4, 1, 11, 0, 0)],
    ['2024-05-01T13:00:00+0200', Date.UTC(2024, 4, 1, 11, 0, 0)],
    ['2024-05-01 11:00:00.000000', Date.UTC(2024, 4, 1, 11, 0, 0)],
  ])('parses %j', (raw, expected) => {
    expect(parseExpiresAt(raw)).toBe(expected);
  });

  it.each(['', 'tomorrow', '2024-13-45T99:00:00Z', '1714561200'])('rejects %j', (raw) => {
    expect(parseExpiresAt(raw)).toBeUndefined();
  });
});

describe('selectEndpoint', () => {
  const catalog: CatalogEntry[] = [
    {
      type: 'compute',
      endpoints: [
        { interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: 'https://nova.pub/v2.1' },
        { interface: 'internal', region_id: 'RegionOne', region: 'RegionOne', url: 'http://nova-int-1/v2.1' },
        { interface: 'internal', region_id: 'RegionTwo', region: 'RegionTwo', url: 'http://nova-int-2/v2.1' },
      ],
    },
    {
      type: 'instance-ha',
      endpoints: [{ interface: 'internal', region_id: 'RegionOne', url: 'http://masakari/v1/p' }],
    },
  ];

  it.each([
    [{ type: 'compute', interface: 'public' }, 'https://nova.pub/v2.1'],
    [{ type: 'compute', interface: 'internal' }, 'http://nova-int-1/v2.1'],
    [{ type: 'compute', interface: 'internalURL', region: 'RegionTwo' }, 'http://nova-int-2/v2.1'],
    [{ type: 'compute', interface: 'publicURL' }, 'https://nova.pub/v2.1'],
    [{ type: 'instance-ha', interface: 'internal', region: 'RegionOne' }, 'http://masakari/v1/p'],
    [{ type: 'compute', interface: 'admin' }, undefined],
    [{ type: 'compute', interface: 'internal', region: 'RegionThree' }, undefined],
    [{ type: 'image', interface: 'public' }, undefined],
  ])('selects %j → %j', (query, expected) => {
    expect(selectEndpoint(catalog, query)).toBe(expected);
  });
});
