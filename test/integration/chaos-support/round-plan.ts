/**
 * PURE: what one chaos round does, derived from its own seed only, so a failing round is replayed from
 * the number written out (`roundSeed`). A round is one event on the cloud (a real host failure of some
 * kind, or a network blip that must NOT be treated as one) plus, for failures, a disruption of the
 * controller's world landing at a random moment of the recovery.
 */

export const FAILURE_KINDS = [
  /** Power loss; the BMC answers and reads Off. */
  'power-off',
  /** Kernel hang: silent, BMC On; Vigil must power it off itself. */
  'kernel-hang',
  /** Two hosts of different racks lose power in the same second (independent failures). */
  'double-power-off',
  /** Power loss with a BMC answering every request seconds late. */
  'power-off-slow-bmc',
  /** Power loss with a BMC that never answers: must end blocked with a stated reason, nothing moved. */
  'power-off-hung-bmc',
  /** Kernel hang with a BMC that carries the ForceOff out and then never answers. */
  'kernel-hang-act-then-hang-bmc',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export const BLIP_KINDS = [
  /** Heartbeats to the controller lost; peers and Nova still see the host. */
  'blip-controller',
  /** Heartbeats and peers' probes lost; Nova still sees the host. */
  'blip-controller-and-peers',
] as const;
export type BlipKind = (typeof BLIP_KINDS)[number];

export const DISRUPTIONS = [
  'none',
  /** SIGKILL of the leader, restarted after a while: leadership moves, its jobs are taken over. */
  'leader-sigkill',
  /** SIGTERM of the leader (graceful hand-over), restarted after a while. */
  'leader-change',
  'redis-restart',
  /** A share of Nova's answers are 503 (nothing happens) for a while. */
  'nova-5xx',
  /** A share of Nova's calls are carried out, then answered 500. */
  'nova-act-then-500',
  /** A healthy host's monitor stops and starts again. */
  'monitor-restart',
] as const;
export type Disruption = (typeof DISRUPTIONS)[number];

export type EventKind = FailureKind | BlipKind;

export interface RoundPlan {
  roundSeed: number;
  event: EventKind;
  /** Index into the hosts eligible at that moment (the runner maps it to names). */
  hostPick: number;
  /** For a second host (double failure) or the monitor restarted: another pick. */
  secondPick: number;
  /** Blip length, ms. */
  blipMs: number;
  disruption: Disruption;
  /** Disruption start, ms after the incident appeared (or after the event for blips). */
  disruptionDelayMs: number;
  /** How long a transient disruption lasts, ms. */
  disruptionSpanMs: number;
  /** Share of Nova answers faulted, for the Nova disruptions. */
  novaFaultRate: number;
}

/** mulberry32: a tiny seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of round `round` of a run seeded `runSeed` (a round replays from this alone). */
export function roundSeedOf(runSeed: number, round: number): number {
  const mixed = seededRandom((Math.imul(runSeed >>> 0, 2654435761) ^ Math.imul(round, 40503)) >>> 0)();
  return Math.floor(mixed * 4294967296) >>> 0;
}

/** Failures weigh more than blips (3:1); plain power-off and kernel hangs more than the BMC variants. */
const EVENT_WEIGHTS: ReadonlyArray<[EventKind, number]> = [
  ['power-off', 4],
  ['kernel-hang', 3],
  ['double-power-off', 2],
  ['power-off-slow-bmc', 1],
  ['power-off-hung-bmc', 1],
  ['kernel-hang-act-then-hang-bmc', 1],
  ['blip-controller', 2],
  ['blip-controller-and-peers', 2],
];

export function planRound(roundSeed: number): RoundPlan {
  const random = seededRandom(roundSeed);
  const event = weighted(EVENT_WEIGHTS, random());
  const disruption = DISRUPTIONS[Math.floor(random() * DISRUPTIONS.length)] ?? 'none';
  return {
    roundSeed,
    event,
    hostPick: Math.floor(random() * 1_000_000),
    secondPick: Math.floor(random() * 1_000_000),
    blipMs: 1_000 + Math.floor(random() * 3_000),
    disruption,
    disruptionDelayMs: Math.floor(random() * 1_500),
    disruptionSpanMs: 1_000 + Math.floor(random() * 2_000),
    novaFaultRate: 0.1 + Math.round(random() * 30) / 100,
  };
}

export function isFailure(event: EventKind): event is FailureKind {
  return (FAILURE_KINDS as readonly string[]).includes(event);
}

function weighted<T>(table: ReadonlyArray<[T, number]>, r: number): T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [value, w] of table) {
    if (x < w) return value;
    x -= w;
  }
  return table[table.length - 1]![0];
}
