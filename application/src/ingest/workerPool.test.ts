import { Readable } from 'node:stream';

import { afterAll, describe, expect, it } from 'vitest';

import {
  bookRow,
  csvChunks,
  GENERATED_CSV_MAPPING,
  legOfRow,
  rows,
} from '../../../test/support/statementBooks';
import { StatementRejected } from './statementLine';
import { StatementWorkers, StatementWorkRefused, type UploadSource } from './workerPool';

// The worker pool the upload route runs statements in: reports as the library would, refusals as they are,
// and the main thread free while a worker works.

const pools: StatementWorkers[] = [];
const pool = (options: ConstructorParameters<typeof StatementWorkers>[0] = {}) => {
  const p = new StatementWorkers(options);
  pools.push(p);
  return p;
};
afterAll(async () => {
  for (const p of pools) await p.close();
});

const SEED = 7;
const csvOf = (n: number): Buffer => Buffer.from([...csvChunks(rows(SEED, n))].join(''));
const job = {
  upload: { format: 'csv' as const, mapping: GENERATED_CSV_MAPPING },
  request: { mspId: 'BankBMSP' },
};

/**
 * An upload whose ledger legs are held back until `release()`, so its worker stays busy with it; `reached()` once
 * the worker asked for them.
 */
function heldUpload(workers: StatementWorkers, source: UploadSource, institution: string) {
  let release: (() => void) | undefined;
  const done = workers.compare(
    source,
    job,
    () =>
      new Promise((resolve) => {
        release = () => {
          resolve([]);
        };
      }),
    institution,
  );
  return { done, reached: () => release !== undefined, release: () => release?.() };
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a refusal');
}

const reasonOf = (e: Error): string => (e instanceof StatementWorkRefused ? e.reason : e.message);

describe('statement workers', () => {
  it('parses and compares in a worker: the report of the ledger legs of the statement period', async () => {
    const workers = pool();
    const periods: { from: string; to: string }[] = [];
    const n = 12_000; // the ledger legs cross in three messages
    const report = (await workers.compare(
      Readable.from([csvOf(n)]),
      job,
      (period) => {
        periods.push(period);
        // The ledger lacks row 0 and has row 1 with another amount.
        return Promise.resolve(
          Array.from({ length: n }, (_, i) => legOfRow(bookRow(SEED, i)))
            .slice(1)
            .map((l, i) => (i === 0 ? { ...l, amountMinor: `${BigInt(l.amountMinor) + 1n}` } : l)),
        );
      },
      'BankBMSP',
    )) as { counts: Record<string, number> };
    expect(periods).toHaveLength(1);
    expect(report.counts).toMatchObject({
      lines: n,
      onlyInMyBooks: 1,
      fieldDifferences: 1,
      matched: n - 2,
    });
    // The worker is kept for the next upload.
    expect(workers.size).toBe(1);
  });

  it('hands a refused statement back as it is, and keeps the worker', async () => {
    const workers = pool();
    const e = await refusal(
      workers.compare('reference,amount\n', job, () => Promise.resolve([]), 'BankBMSP'),
    );
    expect(e instanceof StatementRejected ? e.code : e.message).toBe('MISSING_FIELD');
    expect(workers.size).toBe(1);
  });

  it('takes one upload per institution at a time', async () => {
    const workers = pool();
    const first = heldUpload(workers, Readable.from([csvOf(10)]), 'BankBMSP');
    const second = await refusal(workers.compare(csvOf(10), job, () => Promise.resolve([]), 'BankBMSP'));
    expect(reasonOf(second)).toBe('BUSY');
    // Another institution is not turned away.
    const other = await workers.compare(csvOf(10), job, () => Promise.resolve([]), 'BankAMSP');
    expect(other).toHaveProperty('counts');
    for (let i = 0; i < 100 && !first.reached(); i++) await new Promise((r) => setTimeout(r, 20));
    first.release();
    expect(await first.done).toHaveProperty('counts');
  });

  it('makes an upload wait for a busy worker, and answers BUSY after STATEMENT_QUEUE_MS_MAX', async () => {
    const workers = pool({ workersMax: 1, queueMs: 300 });
    const first = heldUpload(workers, csvOf(10), 'BankAMSP');
    // The worker thread starts first (it transpiles the parser): seconds on a loaded machine. Until the first
    // upload holds it, the second could not be told to wait.
    for (let i = 0; i < 2_500 && !first.reached(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(first.reached(), 'the first upload reached its worker').toBe(true);
    const waited = await refusal(workers.compare(csvOf(10), job, () => Promise.resolve([]), 'BankBMSP'));
    expect([reasonOf(waited), waited.message]).toEqual([
      'BUSY',
      expect.stringMatching(/STATEMENT_QUEUE_MS_MAX \(300 ms\)/) as unknown,
    ]);
    // One that waits while the worker is freed gets it.
    const second = workers.compare(csvOf(10), job, () => Promise.resolve([]), 'BankBMSP');
    first.release();
    expect(await first.done).toHaveProperty('counts');
    expect(await second).toHaveProperty('counts');
    expect(workers.size).toBe(1);
  });

  it('stops a worker over its time budget, and one over its heap, and answers the next upload', async () => {
    const slow = pool({ cpuMsMax: 50 });
    const e = await refusal(slow.compare(csvOf(100_000), job, () => Promise.resolve([]), 'BankBMSP'));
    expect([reasonOf(e), e.message]).toEqual([
      'CPU_BUDGET',
      expect.stringMatching(/STATEMENT_CPU_MS_MAX \(50 ms\)/) as unknown,
    ]);
    expect(slow.size).toBe(0);
    const small = pool({ heapMiBMax: 64 });
    const oom = await refusal(small.compare(csvOf(250_000), job, () => Promise.resolve([]), 'BankBMSP'));
    expect([reasonOf(oom), oom.message]).toEqual([
      'MEMORY',
      expect.stringMatching(/STATEMENT_HEAP_MIB_MAX \(64 MiB\)/) as unknown,
    ]);
    expect(await small.compare(csvOf(10), job, () => Promise.resolve([]), 'BankBMSP')).toHaveProperty(
      'counts',
    );
  });

  it('leaves the main thread free while a worker parses', async () => {
    const workers = pool();
    // Warm the worker up (under the test runner it compiles TypeScript as it starts).
    await workers.compare(csvOf(10), job, () => Promise.resolve([]), 'BankBMSP');
    const big = csvOf(150_000);
    let longestGapMs = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }, 5);
    const t = performance.now();
    await workers.compare(big, job, () => Promise.resolve([]), 'BankBMSP');
    const workMs = performance.now() - t;
    clearInterval(ticker);
    // Parsed on this thread, the longest gap would be the whole parse; in a worker it is a small part of it.
    expect(workMs).toBeGreaterThan(300);
    expect(longestGapMs).toBeLessThan(workMs / 2);
  });
});
