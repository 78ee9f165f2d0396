import { expect } from 'vitest';

import { LedgerRejected } from '../../application/src/ledger/ledgerGateway';

/**
 * The ledger's refusal of a request, by its code: fails the test if the request succeeds or fails another way.
 * (Written for the receivables suites; any suite of the ledger may take it.)
 */
export async function ledgerRefusal(p: Promise<unknown>, code: string): Promise<LedgerRejected> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LedgerRejected && e.code === code) return e;
    throw new Error(`expected the ledger to refuse with ${code}, got ${String(e)}`);
  }
  throw new Error(`expected the ledger to refuse with ${code}; the request succeeded`);
}

/** A refusal commits nothing: the ledger's height (`height()`) is the same after it. */
export async function refusalWritingNothing(
  height: () => bigint,
  request: () => Promise<unknown>,
  code: string,
): Promise<LedgerRejected> {
  const before = height();
  const e = await ledgerRefusal(request(), code);
  expect(height()).toBe(before);
  return e;
}
