import { describe, expect, it } from 'vitest';

import { codeOf } from '../../../../test/support/refusal';
import type { EntryRecord } from '../blacklist/entry';
import type { EnterpriseParty } from './parties';
import {
  decideScreening,
  keysOf,
  parseScreeningKeys,
  screenedByFinancing,
  screenedByMove,
  transferConsentOf,
  type ScreeningInput,
} from './screening';
import type { TradeRecord } from './trade';

const TIER1: EnterpriseParty = { enterpriseId: '91440300MA5F000007', kind: 'ENTERPRISE', mspId: 'BankBMSP' };
const TIER2: EnterpriseParty = { enterpriseId: '91110000100000000R', kind: 'ENTERPRISE', mspId: 'BankAMSP' };
const KEY = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const TODAY = '2026-12-07';

const entry = (over: Partial<EntryRecord> = {}): EntryRecord => ({
  category: 'SERIOUS_DEFAULT',
  evidenceHash: 'e'.repeat(64),
  expiresOn: '2027-12-31',
  indicators: ['COURT_JUDGMENT'],
  inputHash: 'i'.repeat(64),
  keyVersion: 1,
  listedAt: '2026-11-01T00:00:00.000Z',
  listedOn: '2026-11-01',
  policyVersion: 1,
  severity: 'MEDIUM',
  status: 'ACTIVE',
  subjectKey: KEY,
  txId: 'listing-tx',
  uploader: 'BankAMSP',
  ...over,
});

const input: ScreeningInput = {
  consentExpiresOn: '2027-03-01',
  consentHash: 'c'.repeat(64),
  enterprise: TIER2,
  keys: [{ keyVersion: 1, subjectKey: KEY }],
  purpose: 'PAYMENT_SCREENING',
};
const meta = {
  actor: {
    enterpriseId: TIER1.enterpriseId,
    id: 'x509::CN=tier1-approver',
    mspId: 'BankBMSP',
    name: 'tier1-approver',
    roles: ['enterprise-approver' as const],
  },
  at: `${TODAY}T09:00:00.000Z`,
  blacklistPolicyVersion: 3,
  txId: 'screen-tx',
};

describe('screening the receiving enterprise against the shared blacklist', () => {
  it('is a hit for an entry ACTIVE or DISPUTED on the ledger day, and nothing else', () => {
    const result = (entries: EntryRecord[]) =>
      decideScreening(input, entries, { screeningOnHit: 'REFUSE' }, meta).screening.result;
    expect(result([])).toBe('CLEAR');
    expect(result([entry()])).toBe('HIT');
    expect(result([entry({ status: 'DISPUTED' })])).toBe('HIT');
    expect(result([entry({ status: 'REVOKED' })])).toBe('CLEAR');
    expect(result([entry({ expiresOn: '2026-12-06' })])).toBe('CLEAR');
    expect(result([entry({ expiresOn: TODAY })])).toBe('HIT');
    // Entries of another subject key (read by mistake) are not this enterprise's.
    expect(result([entry({ subjectKey: OTHER })])).toBe('CLEAR');
  });

  it('decides by the policy: REFUSE or FLAG a hit, ALLOW a clear one; records the look as a blacklist query', () => {
    const refused = decideScreening(
      input,
      [entry({ status: 'DISPUTED' })],
      { screeningOnHit: 'REFUSE' },
      meta,
    );
    expect(refused.screening).toMatchObject({
      blacklistPolicyVersion: 3,
      consentHash: input.consentHash,
      decision: 'REFUSED',
      enterprise: TIER2,
      entries: [
        { category: 'SERIOUS_DEFAULT', status: 'DISPUTED', txId: 'listing-tx', uploader: 'BankAMSP' },
      ],
      screenedBy: { mspId: 'BankBMSP', name: 'tier1-approver' },
      txId: 'screen-tx',
    });
    expect(refused.record).toEqual({
      at: meta.at,
      consentExpiresOn: '2027-03-01',
      consentHash: input.consentHash,
      hits: 1,
      policyVersion: 3,
      purpose: 'PAYMENT_SCREENING',
      querier: { mspId: 'BankBMSP', name: 'tier1-approver' },
      queryId: 'screen-tx',
      subjectKeys: [KEY],
    });
    expect(decideScreening(input, [entry()], { screeningOnHit: 'FLAG' }, meta).screening.decision).toBe(
      'FLAGGED',
    );
    expect(decideScreening(input, [], { screeningOnHit: 'REFUSE' }, meta).screening.decision).toBe('ALLOWED');
  });

  it('screens the enterprises a move passes parts to (not the holder itself), and the enterprise a financing pays', () => {
    const out = (holder: EnterpriseParty) => ({ amountMinor: 1n, holder, partId: 'p', tradeId: null });
    expect(screenedByMove({ holder: TIER1, outputs: [out(TIER1), out(TIER2), out(TIER2)] })).toEqual([TIER2]);
    expect(screenedByMove({ holder: TIER1, outputs: [out(TIER1), out(TIER1)] })).toEqual([]);
    // The same code enrolled by another bank is another party: screened.
    const lookalike = { ...TIER1, mspId: 'BankAMSP' };
    expect(screenedByMove({ holder: TIER1, outputs: [out(lookalike)] })).toEqual([lookalike]);
    expect(screenedByFinancing({ holder: TIER2 })).toEqual(TIER2);
    expect(screenedByFinancing({ holder: { kind: 'BANK', mspId: 'BankAMSP' } })).toBeNull();
  });

  it('takes one or two keyed hashes per enterprise, and refuses a step without them', () => {
    const keys = parseScreeningKeys({
      [TIER2.enterpriseId]: [
        { keyVersion: 2, subjectKey: OTHER },
        { keyVersion: 1, subjectKey: KEY },
      ],
    });
    expect(keys.get(TIER2.enterpriseId)?.map((k) => k.keyVersion)).toEqual([1, 2]);
    expect(codeOf(() => parseScreeningKeys({ x: [] }))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseScreeningKeys({ x: [{ keyVersion: 1, subjectKey: 'not hex' }] }))).toBe(
      'INVALID_INPUT',
    );
    expect(
      codeOf(() =>
        parseScreeningKeys({
          x: [
            { keyVersion: 1, subjectKey: KEY },
            { keyVersion: 1, subjectKey: OTHER },
          ],
        }),
      ),
    ).toBe('INVALID_INPUT');
    expect(codeOf(() => keysOf(new Map(), TIER2, 'move M'))).toBe('SCREENING_REQUIRED');
  });

  it('takes the consent from the seller’s confirmation of the trade, and none from an unconfirmed one', () => {
    const trade = {
      confirmedAt: '2026-12-01T10:00:00.000Z',
      confirmedBy: { id: 'x509::CN=tier2-finance', mspId: 'BankAMSP', name: 'tier2-finance' },
      seller: TIER2,
      tradeId: 'T-1',
    } as unknown as TradeRecord;
    expect(transferConsentOf(trade)).toMatchObject({
      act: 'TRADE_CONFIRMATION',
      seller: `${TIER2.enterpriseId}@BankAMSP`,
    });
    expect(codeOf(() => transferConsentOf({ ...trade, confirmedAt: null, confirmedBy: null }))).toBe(
      'TRADE_NOT_CONFIRMED',
    );
  });
});
