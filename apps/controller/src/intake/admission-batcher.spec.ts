import { AdmissionBatcher } from './admission-batcher';

/** A send whose answers the test releases by hand, recording each batch it was given. */
function manualSend() {
  const batches: number[][] = [];
  const release: Array<() => void> = [];
  const send = (batch: number[]): Promise<number[]> => {
    batches.push(batch);
    return new Promise((resolve) => release.push(() => resolve(batch.map((n) => n * 10))));
  };
  return { batches, release, send };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('AdmissionBatcher', () => {
  it('sends what arrived in one turn as one batch and answers each item with its own result', async () => {
    const { batches, release, send } = manualSend();
    const batcher = new AdmissionBatcher(send, 100);
    const answers = [1, 2, 3].map((n) => batcher.submit(n));
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    release[0]?.();
    expect(await Promise.all(answers)).toEqual([10, 20, 30]);
  });

  it('fills the next batch while one is in flight, and caps batch size', async () => {
    const { batches, release, send } = manualSend();
    const batcher = new AdmissionBatcher(send, 2);
    const first = batcher.submit(1);
    await turn();
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await turn();
    expect(batches).toEqual([[1]]);
    release[0]?.();
    await first;
    await turn();
    expect(batches).toEqual([[1], [2, 3]]);
    release[1]?.();
    await turn();
    await turn();
    expect(batches).toEqual([[1], [2, 3], [4]]);
    release[2]?.();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    await batcher.drained();
  });

  it('a failed send rejects every item of that batch and the next batch still goes', async () => {
    let calls = 0;
    const batcher = new AdmissionBatcher<number, number>((batch) => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('redis down')) : Promise.resolve(batch);
    }, 10);
    const failed = [batcher.submit(1), batcher.submit(2)].map((p) =>
      p.then(
        () => 'ok',
        () => 'failed',
      ),
    );
    expect(await Promise.all(failed)).toEqual(['failed', 'failed']);
    expect(await batcher.submit(3)).toBe(3);
  });
});
