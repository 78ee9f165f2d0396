import { describe, expect, it } from 'vitest';

import { correctionId, offersCorrection } from '../application/console/src/correction';
import { parseClientId } from '../chaincode/src/core/reference';

const proposal = (mspId: string, kind: 'CORRECT_LEG' | 'REFUND') => ({
  kind,
  proposer: { mspId, id: 'x509::CN=alice', name: 'alice' },
});

describe('the break screen: posting the corrected leg', () => {
  it('names the correction after the leg it corrects, next in line, always a valid leg id', () => {
    expect(correctionId('A-20261127-42')).toBe('A-20261127-42.c1');
    expect(correctionId('A-20261127-42.c1')).toBe('A-20261127-42.c2');
    expect(correctionId('A-1.c9')).toBe('A-1.c10');
    const long = 'L'.repeat(64);
    expect(correctionId(long)).toHaveLength(64);
    expect(correctionId(long).endsWith('.c1')).toBe(true);
    for (const id of ['A-1', long, 'x.c63', 'a:b_c-d.e'])
      expect(parseClientId(correctionId(id), 'legId')).toBe(correctionId(id));
  });

  it('offers it to a reconciler of the proposing institution once every party accepted a CORRECT_LEG', () => {
    const accepted = { status: 'ACCEPTED' as const, proposal: proposal('BankAMSP', 'CORRECT_LEG') };
    expect(offersCorrection(accepted, 'BankAMSP', ['reconciler'])).toBe(true);
    expect(offersCorrection(accepted, 'BankAMSP', ['approver'])).toBe(false);
    expect(offersCorrection(accepted, 'BankBMSP', ['reconciler'])).toBe(false);
    expect(offersCorrection({ ...accepted, status: 'APPROVED' }, 'BankAMSP', ['reconciler'])).toBe(false);
    expect(
      offersCorrection({ ...accepted, proposal: proposal('BankAMSP', 'REFUND') }, 'BankAMSP', ['reconciler']),
    ).toBe(false);
  });
});
