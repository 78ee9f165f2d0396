import { describe, expect, it } from 'vitest';

import { refusal } from '../../../test/support/refusal';

import type { Currency } from './money';
import {
  parseWriteOffLimits,
  requireWriteOffAuthority,
  stakeLeg,
  writeOffStake,
  type StakeLeg,
} from './writeOff';

const leg = (mspId: string, amountMinor: string, currency = 'CNY'): StakeLeg =>
  stakeLeg(mspId, amountMinor, currency);

describe('write-off authority', () => {
  it('reads a limit per currency from the certificate attribute; none is no authority', () => {
    const limits = parseWriteOffLimits('CNY:100000, HKD:5000');
    expect([...limits]).toEqual([
      ['CNY', 100000n],
      ['HKD', 5000n],
    ]);
    expect(parseWriteOffLimits(undefined).size).toBe(0);
    expect(parseWriteOffLimits('').size).toBe(0);
    for (const bad of ['CNY', 'CNY:1.5', 'XXX:100', 'CNY:100,CNY:200', 'CNY:-1', 'CNY:1e5'])
      expect(refusal(() => parseWriteOffLimits(bad)).code, bad).toBe('INVALID_INPUT');
  });

  it('writes off the largest difference from the proposer’s own amount, else its whole amount', () => {
    // Bank B booked 12,345.00 where the others have 12,345.67: it writes off 0.67.
    const legs = [leg('BankAMSP', '1234567'), leg('ClearingHouseMSP', '1234567'), leg('BankBMSP', '1234500')];
    expect(writeOffStake(legs, 'BankBMSP')).toEqual({ currency: 'CNY', amountMinor: 67n });
    // A status conflict (amounts agree): the whole payment is at stake.
    expect(writeOffStake([leg('BankAMSP', '1234567'), leg('BankBMSP', '1234567')], 'BankBMSP')).toEqual({
      currency: 'CNY',
      amountMinor: 1234567n,
    });
    // Legs in another currency do not compare; a proposer whose leg is missing stakes the largest.
    expect(writeOffStake([leg('BankAMSP', '900', 'HKD'), leg('BankBMSP', '1000')], 'BankBMSP')).toEqual({
      currency: 'CNY',
      amountMinor: 1000n,
    });
    expect(writeOffStake([leg('BankAMSP', '900'), leg('PayCoMSP', '1200')], 'BankBMSP')).toEqual({
      currency: 'CNY',
      amountMinor: 1200n,
    });
  });

  it('refuses an approval beyond the approver’s limit in the write-off’s currency, and takes one within it', () => {
    const limits = parseWriteOffLimits('CNY:100000');
    const approve = (currency: string, amountMinor: bigint) => () => {
      requireWriteOffAuthority(limits, { currency: currency as Currency, amountMinor }, 'anna');
    };
    expect(approve('CNY', 100000n)).not.toThrow();
    expect(refusal(approve('CNY', 100001n)).code).toBe('LIMIT_EXCEEDED');
    expect(refusal(approve('HKD', 1n)).code).toBe('LIMIT_EXCEEDED');
  });
});
