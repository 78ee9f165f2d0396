import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import type { Actor } from '../actor';
import {
  decideEvidenceDecision,
  decideEvidenceRequest,
  parseEvidenceRequest,
  requireDelivery,
  type EvidenceRequestRecord,
} from './evidenceRequest';
import { decideConfirmation } from './hits';
import type { QueryRecord } from './query';
import { entryFixture } from '../../../../test/support/blacklistEntry';

const H = (c: string) => c.repeat(64);
const person = (mspId: string): Actor => ({
  id: `x509::CN=${mspId}::ca`,
  mspId,
  name: `${mspId}-p`,
  roles: ['reconciler'],
});
const entry = entryFixture;
const query = (over: Partial<QueryRecord> = {}): QueryRecord => ({
  at: '2030-01-05T00:00:00.000Z',
  consentExpiresOn: null,
  consentHash: null,
  hits: 1,
  policyVersion: 1,
  purpose: 'FRAUD_INVESTIGATION',
  querier: { mspId: 'BankBMSP', name: 'bruno' },
  queryId: 'q-1',
  subjectKeys: [H('a')],
  ...over,
});
const input = {
  category: 'MONEY_MULE',
  queryId: 'q-1',
  requestId: 'r-1',
  subjectKey: H('a'),
  uploader: 'BankAMSP',
};
const meta = (mspId = 'BankBMSP') => ({
  actor: person(mspId),
  at: '2030-01-06T00:00:00.000Z',
  inputHash: 'h',
  txId: `tx-${mspId}`,
});
const TODAY = '2030-01-06';

describe('a hit', () => {
  it('is a recorded query of the signer’s institution about the subject, made after the listing, that found entries', () => {
    const ok = decideConfirmation(entry(), query(), 'q-1', person('BankBMSP'), TODAY);
    expect(ok).toMatchObject({ outcome: 'CONFIRMED', entry: { confirmedBy: ['BankBMSP'] } });
    expect(decideConfirmation(ok.entry, query(), 'q-1', person('BankBMSP'), TODAY).outcome).toBe('UNCHANGED');
    for (const q of [
      undefined,
      query({ querier: { mspId: 'PayCoMSP', name: 'p' } }),
      query({ subjectKeys: [H('b')] }),
      query({ hits: 0 }),
      query({ at: '2029-12-31T00:00:00.000Z' }),
    ])
      expect(refusal(() => decideConfirmation(entry(), q, 'q-1', person('BankBMSP'), TODAY)).code).toBe(
        'NOT_A_HIT',
      );
    expect(refusal(() => decideConfirmation(entry(), query(), 'q-1', person('BankAMSP'), TODAY)).code).toBe(
      'WRONG_INSTITUTION',
    );
    expect(
      refusal(() =>
        decideConfirmation(entry({ status: 'REVOKED' }), query(), 'q-1', person('BankBMSP'), TODAY),
      ).code,
    ).toBe('INVALID_TRANSITION');
  });
});

describe('evidence on request', () => {
  const requested = (): EvidenceRequestRecord =>
    decideEvidenceRequest(undefined, entry(), query(), input, meta()).request;

  it('is asked after a hit, decided by the uploader, the hash of what is delivered recorded', () => {
    const r = requested();
    expect(r).toMatchObject({ requester: { mspId: 'BankBMSP' }, status: 'REQUESTED', decision: null });
    expect(decideEvidenceRequest(r, entry(), query(), input, meta()).outcome).toBe('UNCHANGED');
    expect(
      refusal(() => decideEvidenceRequest(r, entry(), query(), input, { ...meta(), inputHash: 'x' })).code,
    ).toBe('IDEMPOTENCY_CONFLICT');
    const approved = decideEvidenceDecision(r, true, entry(), H('e'), meta('BankAMSP'));
    expect(approved).toMatchObject({ outcome: 'APPROVED', request: { decision: { deliveredHash: H('e') } } });
    expect(decideEvidenceDecision(approved.request, true, entry(), H('e'), meta('BankAMSP')).outcome).toBe(
      'UNCHANGED',
    );
    expect(
      refusal(() => decideEvidenceDecision(approved.request, false, entry(), undefined, meta('BankAMSP')))
        .code,
    ).toBe('ALREADY_DECIDED');
    const declined = decideEvidenceDecision(r, false, entry(), undefined, meta('BankAMSP'));
    expect(declined.request).toMatchObject({ decision: { deliveredHash: null }, status: 'DECLINED' });
    requireDelivery(approved.request, entry(), person('BankBMSP'), TODAY);
  });

  it('refuses with its code: no hit, the uploader itself, evidence gone or not the listed one, the wrong party', () => {
    expect(refusal(() => decideEvidenceRequest(undefined, entry(), undefined, input, meta())).code).toBe(
      'NOT_A_HIT',
    );
    expect(refusal(() => decideEvidenceRequest(undefined, undefined, query(), input, meta())).code).toBe(
      'ENTRY_NOT_FOUND',
    );
    expect(
      refusal(() => decideEvidenceRequest(undefined, entry(), query(), input, meta('BankAMSP'))).code,
    ).toBe('WRONG_INSTITUTION');
    expect(
      refusal(() => decideEvidenceRequest(undefined, entry({ status: 'REVOKED' }), query(), input, meta()))
        .code,
    ).toBe('EVIDENCE_UNAVAILABLE');
    const r = requested();
    expect(refusal(() => decideEvidenceDecision(r, true, entry(), H('e'), meta('PayCoMSP'))).code).toBe(
      'NOT_A_PARTY',
    );
    expect(refusal(() => decideEvidenceDecision(r, true, entry(), undefined, meta('BankAMSP'))).code).toBe(
      'EVIDENCE_UNAVAILABLE',
    );
    expect(refusal(() => decideEvidenceDecision(r, true, entry(), H('9'), meta('BankAMSP'))).code).toBe(
      'EVIDENCE_UNAVAILABLE',
    );
    expect(
      refusal(() => {
        requireDelivery(r, entry(), person('BankBMSP'), TODAY);
      }).code,
    ).toBe('INVALID_TRANSITION');
    const approved = decideEvidenceDecision(r, true, entry(), H('e'), meta('BankAMSP')).request;
    expect(
      refusal(() => {
        requireDelivery(approved, entry(), person('PayCoMSP'), TODAY);
      }).code,
    ).toBe('NOT_A_PARTY');
    expect(
      refusal(() => {
        requireDelivery(approved, entry({ status: 'REVOKED' }), person('BankBMSP'), TODAY);
      }).code,
    ).toBe('EVIDENCE_UNAVAILABLE');
  });

  it('parses the request precisely', () => {
    expect(parseEvidenceRequest(input)).toEqual(input);
    expect(refusal(() => parseEvidenceRequest({ ...input, uploader: 'Bank A' })).detail).toContain(
      'request.uploader',
    );
    expect(refusal(() => parseEvidenceRequest({ ...input, more: 1 })).detail).toContain('request.more');
  });
});
