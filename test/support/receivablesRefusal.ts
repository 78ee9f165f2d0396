import { expect } from 'vitest';

import { LedgerRejected } from '../../application/src/ledger/ledgerGateway';

/**
 * The ledger's refusal of a request, by its code: fails the test if the request succeeds or fails another way.
 * (Written for the receivables suites; any suite of the ledger may take it.)
 */
export async function ledgerRefusal(p: Promise<unknown>, code: string): Promise<LedgerRejected> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(LedgerRejected);
  expect((e as LedgerRejected).code).toBe(code);
  return e as LedgerRejected;
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
