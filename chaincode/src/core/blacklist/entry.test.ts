import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import {
  checkUploadDistinct,
  decideUpload,
  effectiveStatus,
  parseUploadItem,
  type EntryRecord,
  type UploadItem,
  type UploadMeta,
} from './entry';
import { GENESIS_POLICY } from './policy';

const KEY = 'a'.repeat(64);
const TODAY = '2030-01-01';
const upload = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  category: 'MONEY_MULE',
  evidence: {
    documentHashes: ['b'.repeat(64)],
    salt: 'c'.repeat(32),
    summary: 'three victims, police report 12',
  },
  indicators: ['POLICE_REPORT', 'MULE_PATTERN'],
  severity: 'HIGH',
  subject: { keyVersion: 1, subjectKey: KEY },
  ...over,
});
const parse = (raw: unknown): UploadItem => parseUploadItem(raw, GENESIS_POLICY, TODAY, 'entries[0]');
const meta = (over: Partial<UploadMeta> = {}): UploadMeta => ({
  at: `${TODAY}T09:00:00.000Z`,
  evidenceHash: 'e'.repeat(64),
  inputHash: '1'.repeat(64),
  policy: GENESIS_POLICY,
  policyVersion: 1,
  txId: 'tx-1',
  uploader: 'BankAMSP',
  ...over,
});

describe('parseUploadItem', () => {
  it('accepts an entry the policy allows, indicators sorted, expiry left to the category', () => {
    const item = parse(upload());
    expect(item.indicators).toEqual(['MULE_PATTERN', 'POLICE_REPORT']);
    expect(item.expiresOn).toBeNull();
    expect(item.subject).toEqual({ keyVersion: 1, subjectKey: KEY });
  });

  const cases: [string, Record<string, unknown>, string, string][] = [
    [
      'an unknown category',
      { category: 'RUDE' },
      'POLICY_VIOLATION',
      'entries[0].category: RUDE is not a category',
    ],
    [
      'too few indicators',
      { indicators: ['POLICE_REPORT'] },
      'POLICY_VIOLATION',
      'MONEY_MULE needs at least 2 distinct indicators, got 1',
    ],
    [
      'an indicator the policy does not name',
      { indicators: ['POLICE_REPORT', 'BAD_VIBES'] },
      'POLICY_VIOLATION',
      'BAD_VIBES is not an indicator of the policy',
    ],
    [
      'an indicator twice',
      { indicators: ['POLICE_REPORT', 'POLICE_REPORT'] },
      'INVALID_INPUT',
      'names POLICE_REPORT twice',
    ],
    [
      'an expiry beyond the category’s period',
      { expiresOn: '2032-01-02' },
      'POLICY_VIOLATION',
      'MONEY_MULE may be listed for at most 730',
    ],
    [
      'an expiry on the listing day',
      { expiresOn: TODAY },
      'POLICY_VIOLATION',
      'is not after the listing day',
    ],
    ['an expiry that is no date', { expiresOn: '2030-02-30' }, 'INVALID_INPUT', 'is not a real date'],
    [
      'an unknown severity',
      { severity: 'EXTREME' },
      'INVALID_INPUT',
      'severity must be one of LOW, MEDIUM, HIGH',
    ],
    [
      'a raw identifier instead of a key',
      { subject: { keyVersion: 1, subjectKey: '13800138000' } },
      'INVALID_INPUT',
      'identifiers are hashed on the node, never sent',
    ],
    [
      'a key version of zero',
      { subject: { keyVersion: 0, subjectKey: KEY } },
      'INVALID_INPUT',
      'keyVersion must be',
    ],
    [
      'evidence without salt',
      { evidence: { documentHashes: [], summary: 'x' } },
      'INVALID_INPUT',
      'entries[0].evidence.salt must be 32 to 64',
    ],
    [
      'evidence without summary',
      { evidence: { salt: 'c'.repeat(32) } },
      'INVALID_INPUT',
      'evidence.summary is required',
    ],
    [
      'an unknown field',
      { identifier: '110101199003074514' },
      'INVALID_INPUT',
      'entries[0].identifier is not a field',
    ],
  ];
  it.each(cases)('refuses %s', (_name, over, code, message) => {
    const r = refusal(() => parse(upload(over)));
    expect(r).toMatchObject({ code });
    expect(r.detail).toContain(message);
  });

  it('refuses the same subject twice in one category within an upload, naming both', () => {
    const a = parse(upload());
    expect(
      refusal(() => {
        checkUploadDistinct([a, parse(upload({ category: 'CONFIRMED_FRAUD' })), a], 'entries');
      }),
    ).toEqual({
      code: 'INVALID_INPUT',
      detail: 'entries[2] lists the same subject in MONEY_MULE as entries[0]',
    });
  });
});

describe('decideUpload', () => {
  const item = () => parse(upload());

  it('lists a new entry for the longest period the category allows, with its provenance', () => {
    const d = decideUpload(undefined, item(), meta());
    expect(d.outcome).toBe('LISTED');
    if (d.outcome !== 'LISTED') return;
    expect(d.entry).toMatchObject({
      expiresOn: '2032-01-01', // 730 days after 2030-01-01
      listedAt: '2030-01-01T09:00:00.000Z',
      listedOn: TODAY,
      status: 'ACTIVE',
      txId: 'tx-1',
      uploader: 'BankAMSP',
      policyVersion: 1,
    });
    expect(d.entry.relists).toBeUndefined();
  });

  it('the same upload again is UNCHANGED and names the first transaction', () => {
    const first = decideUpload(undefined, item(), meta());
    if (first.outcome !== 'LISTED') throw new Error('listed');
    const again = decideUpload(first.entry, item(), meta({ txId: 'tx-2', at: '2030-03-01T00:00:00.000Z' }));
    expect(again).toMatchObject({ outcome: 'UNCHANGED', result: { outcome: 'UNCHANGED', txId: 'tx-1' } });
  });

  it('another upload over an entry in force is IDEMPOTENCY_CONFLICT', () => {
    const first = decideUpload(undefined, item(), meta());
    if (first.outcome !== 'LISTED') throw new Error('listed');
    expect(refusal(() => decideUpload(first.entry, item(), meta({ inputHash: '2'.repeat(64) }))).code).toBe(
      'IDEMPOTENCY_CONFLICT',
    );
  });

  it('an expired entry is listed again, referring to the listing it replaces; a revoked one is not', () => {
    const first = decideUpload(undefined, parse(upload({ expiresOn: '2030-01-31' })), meta());
    if (first.outcome !== 'LISTED') throw new Error('listed');
    expect(effectiveStatus(first.entry, '2030-01-31')).toBe('ACTIVE');
    expect(effectiveStatus(first.entry, '2030-02-01')).toBe('EXPIRED');
    const later = meta({ at: '2030-02-01T00:00:00.000Z', txId: 'tx-9', inputHash: '3'.repeat(64) });
    const relisted = decideUpload(first.entry, item(), later);
    expect(relisted).toMatchObject({ outcome: 'LISTED', entry: { relists: 'tx-1', txId: 'tx-9' } });
    const revoked: EntryRecord = { ...first.entry, status: 'REVOKED' };
    expect(refusal(() => decideUpload(revoked, item(), later)).code).toBe('INVALID_TRANSITION');
    expect(effectiveStatus({ ...first.entry, status: 'DISPUTED' }, '2030-01-05')).toBe('DISPUTED');
  });
});
