import { type NovaServiceReading } from './nova-reports';
import { type EvidenceProbe } from './ports';
import { BmcReader, type BmcReading } from './probes';

/** A probe whose BMC answers are released by the test, host by host. */
class HeldProbe implements EvidenceProbe {
  readonly calls: string[] = [];
  private readonly waiting = new Map<string, (value: BmcReading) => void>();

  novaComputeServices(): Promise<NovaServiceReading[]> {
    return Promise.resolve([]);
  }

  bmcPowerState(host: string): Promise<BmcReading> {
    this.calls.push(host);
    return new Promise((resolve) => this.waiting.set(host, resolve));
  }

  answer(host: string, value: BmcReading): void {
    this.waiting.get(host)?.(value);
    this.waiting.delete(host);
  }
}

describe('BmcReader: a hung BMC never holds the sweep', () => {
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('answers what is known after its wait; a hung read goes on and is used by a later sweep', async () => {
    let now = 1_000;
    const probe = new HeldProbe();
    const reader = new BmcReader(probe, { timeoutMs: 60_000, waitMs: 20, maxAgeMs: 5_000 }, () => now);
    const first = reader.readAll(['hung', 'quick']);
    probe.answer('quick', 'off');
    expect(await first).toEqual(
      new Map([
        ['hung', 'unknown'],
        ['quick', 'off'],
      ]),
    );
    expect(reader.inFlight).toBe(1);
    // The next sweep does not start a second read of the hung BMC.
    const second = reader.readAll(['hung']);
    expect(await second).toEqual(new Map([['hung', 'unknown']]));
    expect(probe.calls.filter((h) => h === 'hung')).toHaveLength(1);
    probe.answer('hung', 'on');
    await flush();
    expect(reader.inFlight).toBe(0);
    const third = reader.readAll(['hung']);
    probe.answer('hung', 'on');
    expect(await third).toEqual(new Map([['hung', 'on']]));
    // An answer older than maxAgeMs is not evidence any more.
    now += 10_000;
    const stale = reader.readAll(['quick']);
    expect(await stale).toEqual(new Map([['quick', 'unknown']]));
    probe.answer('quick', 'off');
  });
});
