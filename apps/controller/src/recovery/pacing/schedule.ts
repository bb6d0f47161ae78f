/**
 * PURE: when to ask Nova again. Confirmation polls aim at the moment a rebuild is expected to end
 * (learned from the rebuilds seen so far), then poll briskly, then spread out for a late one; a shared
 * budget spaces every call of one kind so that many moves never poll harder than the operator allows.
 */

export interface PollBounds {
  /** Never two polls of one move closer than this, ms. */
  minMs: number;
  /** Never longer between two polls of one move than this, ms (`recovery.pollIntervalMs`). */
  maxMs: number;
}

/**
 * Delay before the next confirmation poll of a move that has been rebuilding `elapsedMs`. With no
 * estimate yet, the operator's interval.
 */
export function nextPollDelayMs(elapsedMs: number, expectedMs: number | null, bounds: PollBounds): number {
  const min = Math.min(bounds.minMs, bounds.maxMs);
  if (expectedMs === null) return bounds.maxMs;
  const remaining = expectedMs - elapsedMs;
  const wanted = remaining > 0 ? remaining : (elapsedMs - expectedMs) / 2;
  return Math.round(Math.min(bounds.maxMs, Math.max(min, wanted)));
}

/** A spacing budget: at most `perSecond` calls, evenly spaced; `nextFreeAt` is the earliest next call. */
export interface SpacingBudget {
  nextFreeAt: number;
}

/** Reserves the next call: how long to wait before making it, and the budget after it. */
export function reserve(
  budget: SpacingBudget,
  now: number,
  perSecond: number,
): { waitMs: number; budget: SpacingBudget } {
  const at = Math.max(now, budget.nextFreeAt);
  return { waitMs: at - now, budget: { nextFreeAt: at + 1000 / Math.max(perSecond, 0.001) } };
}

/** Calls booked per slot of `SLOT_MS`: a budget that can be booked ahead without blocking earlier calls. */
export type SlotBook = Map<number, number>;
const SLOT_MS = 100;

/**
 * Books a call for `desiredAt` or the first slot after it with room (`perSecond` spread over ten slots
 * of 100 ms); returns when to make it. Slots before `now` are forgotten.
 */
export function bookSlot(book: SlotBook, now: number, desiredAt: number, perSecond: number): number {
  const perSlot = Math.max(1, Math.floor((perSecond * SLOT_MS) / 1000));
  for (const slot of book.keys()) if (slot < Math.floor(now / SLOT_MS)) book.delete(slot);
  let slot = Math.floor(desiredAt / SLOT_MS);
  while ((book.get(slot) ?? 0) >= perSlot) slot++;
  book.set(slot, (book.get(slot) ?? 0) + 1);
  return Math.max(desiredAt, slot * SLOT_MS);
}
