import { bookSlot, nextPollDelayMs, reserve, type SlotBook } from './schedule';

describe('confirmation poll schedule', () => {
  const bounds = { minMs: 100, maxMs: 1000 };

  it.each([
    ['no estimate yet: the operator interval', 0, null, 1000],
    ['aims at the expected end', 300, 1500, 1000],
    ['close to the expected end: just the remainder', 1200, 1500, 300],
    ['just past it: briskly, never under the minimum', 1520, 1500, 100],
    ['late: spreads out', 2500, 1500, 500],
    ['very late: never past the operator interval', 60_000, 1500, 1000],
  ])('%s', (_, elapsed, expected, delay) => {
    expect(nextPollDelayMs(elapsed, expected, bounds)).toBe(delay);
  });
});

describe('spacing budget', () => {
  it('spaces calls evenly at the rate and lets an idle budget call at once', () => {
    let budget = { nextFreeAt: 0 };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = reserve(budget, 1000, 10);
      waits.push(r.waitMs);
      budget = r.budget;
    }
    expect(waits).toEqual([0, 100, 200, 300]);
    expect(reserve(budget, 5000, 10).waitMs).toBe(0);
  });
});

describe('poll slot book', () => {
  it('fills each 100 ms slot up to its share, then the next; an earlier booking is not blocked by a later one', () => {
    const book: SlotBook = new Map();
    // 20/s = 2 per 100 ms slot.
    expect(bookSlot(book, 0, 1000, 20)).toBe(1000);
    expect(bookSlot(book, 0, 1050, 20)).toBe(1050);
    expect(bookSlot(book, 0, 1010, 20)).toBe(1100);
    expect(bookSlot(book, 0, 200, 20)).toBe(200);
    // Slots in the past are forgotten.
    bookSlot(book, 5000, 5000, 20);
    expect([...book.keys()].every((slot) => slot >= 50)).toBe(true);
  });
});
