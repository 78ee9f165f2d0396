import { describe, expect, it } from 'vitest';

import { legDifference, type LegValues } from '../application/console/src/legDifference';

const leg = (mspId: string, detail: Record<string, string>): LegValues => ({
  legId: `${mspId}-1`,
  mspId,
  detail: { amountMinor: '1234567', currency: 'CNY', valueDate: '2026-11-27', outcome: 'SETTLED', ...detail },
});
const FIELDS = ['amountMinor', 'currency', 'valueDate', 'outcome'];
/** Bank A's and the clearing house's legs as they should be, and Bank B's with `detail` replaced. */
const bankBOdd = (detail: Record<string, string>) =>
  legDifference([leg('BankAMSP', {}), leg('ClearingHouseMSP', {}), leg('BankBMSP', detail)], FIELDS);

describe('the break screen: what sets the legs apart', () => {
  it('names the odd leg and by how much its amount and value date differ', () => {
    const d = bankBOdd({ amountMinor: '1234500', valueDate: '2026-11-28' });
    expect(Object.keys(d.odd).sort()).toEqual(['amountMinor', 'valueDate']);
    expect(d.odd.amountMinor?.map((l) => l.mspId)).toEqual(['BankBMSP']);
    expect(d.amountDelta).toMatchObject({ deltaMinor: -67n, currency: 'CNY' });
    expect(d.amountDelta?.leg.mspId).toBe('BankBMSP');
    expect(d.dateShiftDays).toMatchObject({ days: 1 });
  });

  it('names nobody when no group of legs is larger than the others', () => {
    const d = legDifference([leg('BankAMSP', {}), leg('PayCoMSP', { amountMinor: '99' })], FIELDS);
    expect(d.odd).toEqual({});
    expect(d.amountDelta).toBeUndefined();
  });

  it('gives no amount difference across currencies, and none when legs agree', () => {
    const mixed = bankBOdd({ amountMinor: '5', currency: 'USD' });
    expect(mixed.odd.currency?.map((l) => l.mspId)).toEqual(['BankBMSP']);
    expect(mixed.amountDelta).toBeUndefined();
    expect(legDifference([leg('BankAMSP', {}), leg('BankBMSP', {})], FIELDS)).toEqual({ odd: {} });
  });
});
