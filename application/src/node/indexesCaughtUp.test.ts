import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { indexesCaughtUp } from './indexesCaughtUp';

/** An indexer whose checkpoint the test moves. */
function fakeIndexer(mspId: string) {
  const state: { block: bigint | undefined } = { block: undefined };
  return {
    state,
    entry: {
      mspId,
      indexer: {
        get checkpoint() {
          return state.block === undefined
            ? undefined
            : { institution: mspId, blockNumber: state.block, txIndex: 0, txId: `tx-${String(state.block)}` };
        },
      },
    },
  };
}

function output(tty = false) {
  const lines: string[] = [];
  return { lines, out: { tty, line: (t: string) => lines.push(t), rewrite: () => undefined } };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('npm start waits for the indexes before it serves', () => {
  it('returns only once every index has reached the last block, and says where each stands', async () => {
    const a = fakeIndexer('BankAMSP');
    const b = fakeIndexer('BankBMSP');
    const { lines, out } = output();
    let done = false;
    const waiting = indexesCaughtUp([a.entry, b.entry], 100n, out).then(() => {
      done = true;
    });
    // The indexes move steadily; each step is well within the idle allowance.
    for (let block = 0n; block < 99n; block += 3n) {
      a.state.block = block;
      b.state.block = block > 10n ? block - 10n : 0n;
      await vi.advanceTimersByTimeAsync(400);
      expect(done).toBe(false);
    }
    a.state.block = 99n;
    await vi.advanceTimersByTimeAsync(400);
    expect(done).toBe(false); // Bank B is still behind
    b.state.block = 99n;
    await vi.advanceTimersByTimeAsync(400);
    await waiting;
    expect(done).toBe(true);
    expect(lines.at(-1)).toBe('  indexing            BankAMSP 100/100, BankBMSP 100/100 blocks');
    // a log (not a terminal) got progress lines on the way
    expect(lines.length).toBeGreaterThan(1);
  });

  it('stops short of the height once the indexes stand still (the last blocks changed nothing)', async () => {
    const a = fakeIndexer('BankAMSP');
    const { lines, out } = output();
    let done = false;
    const waiting = indexesCaughtUp([a.entry], 50n, out).then(() => {
      done = true;
    });
    a.state.block = 40n;
    await vi.advanceTimersByTimeAsync(400);
    a.state.block = 47n;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await waiting;
    expect(lines.at(-1)).toBe('  indexing            BankAMSP 48/50 blocks');
  });

  it('gives an indexer that has not moved yet far longer than the idle allowance to start', async () => {
    const a = fakeIndexer('BankAMSP');
    const { out } = output(true);
    let done = false;
    const waiting = indexesCaughtUp([a.entry], 10n, out).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(done).toBe(false);
    a.state.block = 9n;
    await vi.advanceTimersByTimeAsync(400);
    await waiting;
    expect(done).toBe(true);
  });
});
