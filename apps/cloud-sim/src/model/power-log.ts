/** One change of a simulated host's power, as the host itself saw it: the ground truth tests assert on. */
export interface PowerTransition {
  /** 1, 2, ... in the order they happened (a cursor for `?sinceSeq=`). */
  seq: number;
  atMs: number;
  /** `atMs` as ISO 8601. */
  at: string;
  host: string;
  from: 'On' | 'Off';
  /** `On` → `On` is a reboot (a hung host reset by a repair). */
  to: 'On' | 'Off';
  /** The host's boot count after the transition. */
  boot: number;
  /** What happened: `power-off` (power loss), `rack-power-off`, `power-on`, `recover`, `bmc ForceOff`, `bmc On`... */
  cause: string;
  /** Who asked: `injection-api` (or the caller's `X-Sim-Actor`), `bmc client <user-agent> from <address>`, `sim`. */
  by: string;
}

export interface PowerLogQuery {
  host?: string;
  /** Only transitions with a larger seq. */
  sinceSeq?: number;
  /** Only transitions at or after this epoch ms. */
  sinceMs?: number;
}

/** Every power transition of every host, never trimmed (a few per host per test or bench run). */
export class PowerLog {
  private readonly transitions: PowerTransition[] = [];

  record(entry: Omit<PowerTransition, 'seq' | 'at'>): PowerTransition {
    const transition = {
      seq: this.transitions.length + 1,
      ...entry,
      at: new Date(entry.atMs).toISOString(),
    };
    this.transitions.push(transition);
    return transition;
  }

  list(query: PowerLogQuery = {}): PowerTransition[] {
    return this.transitions.filter(
      (t) =>
        (query.host === undefined || t.host === query.host) &&
        (query.sinceSeq === undefined || t.seq > query.sinceSeq) &&
        (query.sinceMs === undefined || t.atMs >= query.sinceMs),
    );
  }

  /** Power-offs (transitions to Off) of these hosts, or of every host. */
  powerOffs(query: PowerLogQuery = {}): PowerTransition[] {
    return this.list(query).filter((t) => t.to === 'Off');
  }
}
