import { describe, expect, it } from 'vitest';

import { Waiters } from './waiters';

describe('Waiters', () => {
  it('resolves the waiters whose point is reached, and only those', async () => {
    const w = new Waiters<number>();
    const settled: number[] = [];
    const three = w.wait(3, 5_000, () => 'three').then(() => settled.push(3));
    const seven = w.wait(7, 5_000, () => 'seven').then(() => settled.push(7));
    w.settle((p) => p <= 5);
    await three;
    expect(settled).toEqual([3]);
    expect(w.points()).toEqual([7]);
    w.settle((p) => p <= 7);
    await seven;
    expect(settled).toEqual([3, 7]);
    expect(w.points()).toEqual([]);
  });

  it('rejects with its message after the deadline and stops waiting', async () => {
    const w = new Waiters<string>();
    await expect(w.wait('tx1', 10, () => 'tx1 not reached in 10 ms')).rejects.toThrow(
      'tx1 not reached in 10 ms',
    );
    expect(w.points()).toEqual([]);
  });
});
