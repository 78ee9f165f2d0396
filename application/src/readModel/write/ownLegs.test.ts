import { describe, expect, it } from 'vitest';

import { AMOUNT_MINOR_MAX } from '../../../../chaincode/src/core/money';
import type { OwnLegRow } from '../rows';
import type { Queryable } from '../sql';
import { writeOwnLegs } from './ownLegs';

function row(amountMinor: string | bigint): OwnLegRow {
  return {
    leg: {
      legId: 'L1',
      reference: 'REF-1',
      role: 'DEBTOR_AGENT',
      route: [],
      amountMinor,
      currency: 'EUR',
      valueDate: '2026-12-07',
      payerRef: 'payer',
      payeeRef: 'payee',
      outcome: 'SETTLED',
    },
    caseId: 'c'.repeat(64),
    txId: 'tx1',
    blockNumber: 7n,
  };
}

/** A client that records what it is sent and answers one row written. */
function recorder(): Queryable & { readonly sent: unknown[][] } {
  const sent: unknown[][] = [];
  return {
    sent,
    query: ((_text: string, values: unknown[]) => {
      sent.push(values);
      return Promise.resolve({ rowCount: 1, rows: [] });
    }) as unknown as Queryable['query'],
  };
}

describe('own legs are written by the core amount rule', () => {
  it('writes the largest amount the core allows, as its decimal text', async () => {
    const client = recorder();
    await expect(writeOwnLegs(client, 'BankAMSP', [row(AMOUNT_MINOR_MAX)])).resolves.toBe(1);
    expect(client.sent[0]).toContainEqual([AMOUNT_MINOR_MAX.toString()]);
  });

  it.each([(AMOUNT_MINOR_MAX + 1n).toString(), '-5', '0', '1.5', '007'])(
    'refuses %s before sending anything',
    async (amount) => {
      const client = recorder();
      await expect(writeOwnLegs(client, 'BankAMSP', [row(amount)])).rejects.toThrow(
        `own legs: leg L1: bad amountMinor ${amount}`,
      );
      expect(client.sent).toEqual([]);
    },
  );
});
