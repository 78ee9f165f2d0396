import { describe, expect, it } from 'vitest';

import { legColumns } from '../application/console/src/legColumns';

const leg = (mspId: string, legId: string) => ({ mspId, legId, detail: {} });

describe('the break screen: the legs side by side', () => {
  it('adds a column for each stop a missing-leg break finds without a leg', () => {
    const legs = [leg('BankAMSP', 'A-1'), leg('BankBMSP', 'B-1')];
    const columns = legColumns(legs, {
      reason: 'MISSING_LEG',
      detail: { missing: [{ mspId: 'ClearingHouseMSP', role: 'CLEARING' }] },
    });
    expect(columns).toEqual([
      { kind: 'leg', leg: legs[0] },
      { kind: 'leg', leg: legs[1] },
      { kind: 'missing', mspId: 'ClearingHouseMSP', role: 'CLEARING' },
    ]);
  });

  it('marks the legs of a duplicate that repeat the first, in the case order', () => {
    const legs = [
      leg('BankBMSP', 'B-1'),
      leg('ClearingHouseMSP', 'C-1'),
      leg('PayCoMSP', 'P-1'),
      leg('ClearingHouseMSP', 'C-2'),
    ];
    const columns = legColumns(legs, {
      reason: 'DUPLICATE',
      detail: {
        legs: [
          { mspId: 'ClearingHouseMSP', legId: 'C-2' },
          { mspId: 'ClearingHouseMSP', legId: 'C-1' },
        ],
      },
    });
    expect(columns.map((c) => (c.kind === 'leg' ? [c.leg.legId, c.duplicateOf ?? ''] : []))).toEqual([
      ['B-1', ''],
      ['C-1', ''],
      ['P-1', ''],
      ['C-2', 'C-1'],
    ]);
  });

  it('leaves the legs as they are for any other break', () => {
    const legs = [leg('BankAMSP', 'A-1'), leg('BankBMSP', 'B-1')];
    expect(
      legColumns(legs, {
        reason: 'AMOUNT_MISMATCH',
        detail: { legs: legs, missing: [{ mspId: 'X', role: 'CLEARING' }] },
      }),
    ).toEqual([
      { kind: 'leg', leg: legs[0] },
      { kind: 'leg', leg: legs[1] },
    ]);
  });
});
