import { formatTimestamp, parseIso8601 } from './time';

describe('timestamps', () => {
  it('formats naive UTC with microseconds', () => {
    expect(formatTimestamp(new Date('2024-05-01T09:00:00.123Z'))).toBe('2024-05-01T09:00:00.123000');
  });

  it.each([
    ['2024-05-01T10:02:11.000000', '2024-05-01T10:02:11.000Z'],
    ['2024-05-01 10:02:11', '2024-05-01T10:02:11.000Z'],
    ['2024-05-01T10:02:11-01:30', '2024-05-01T11:32:11.000Z'],
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
  ])('parses %p', (text, iso) => {
    expect(parseIso8601(text)?.toISOString()).toBe(iso);
  });

  it.each(['2024-13-01', '2024-05-01T25:00:00', 'now', ''])('rejects %p', (text) => {
    expect(parseIso8601(text)).toBeUndefined();
  });
});
