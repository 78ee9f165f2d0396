import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import type { Actor } from '../actor';
import type { EntryRecord } from './entry';
import { GENESIS_POLICY } from './policy';
import {
  answerQuery,
  crossValidation,
  parseQuery,
  subjectReport,
  visibleHits,
  type QueryRecord,
} from './query';
import { entryFixture } from '../../../../test/support/blacklistEntry';

const KEY = 'a'.repeat(64);
const KEY2 = 'b'.repeat(64);
const TODAY = '2030-06-01';
const consent = { expiresOn: '2030-12-31', hash: 'c'.repeat(64) };
const q = (over: Record<string, unknown> = {}) =>
  parseQuery(
    { consent, purpose: 'ACCOUNT_OPENING', subjects: [{ keyVersion: 1, subjectKey: KEY }], ...over },
    GENESIS_POLICY,
    TODAY,
  );

const entry = (uploader: string, category: string, over: Partial<EntryRecord> = {}): EntryRecord =>
  entryFixture({
    category,
    expiresOn: '2031-01-01',
    inputHash: '1'.repeat(64),
    subjectKey: KEY,
    txId: `tx-${uploader}-${category}`,
    uploader,
    ...over,
  });

describe('parseQuery', () => {
  it('takes a purpose of the policy with a consent in force', () => {
    expect(q()).toEqual({
      consent,
      purpose: 'ACCOUNT_OPENING',
      subjects: [{ keyVersion: 1, subjectKey: KEY }],
    });
  });

  it('needs no consent for an exempt purpose, and records one given', () => {
    expect(q({ consent: undefined, purpose: 'FRAUD_INVESTIGATION' }).consent).toBeNull();
    expect(q({ purpose: 'FRAUD_INVESTIGATION' }).consent).toEqual(consent);
  });

  it('orders the keys of a rotation by version', () => {
    const two = q({
      subjects: [
        { keyVersion: 2, subjectKey: KEY2 },
        { keyVersion: 1, subjectKey: KEY },
      ],
    });
    expect(two.subjects.map((s) => s.keyVersion)).toEqual([1, 2]);
  });

  const cases: [string, Record<string, unknown>, string, string][] = [
    [
      'no consent for a purpose that needs one',
      { consent: undefined },
      'CONSENT_REQUIRED',
      'query.consent is required for the purpose ACCOUNT_OPENING',
    ],
    [
      'a consent that expired yesterday',
      { consent: { ...consent, expiresOn: '2030-05-31' } },
      'CONSENT_EXPIRED',
      'expired on 2030-05-31',
    ],
    [
      'a consent hash that is not a hash',
      { consent: { ...consent, hash: 'signed' } },
      'INVALID_INPUT',
      'query.consent.hash must be the SHA-256',
    ],
    [
      'an unknown purpose',
      { purpose: 'CURIOSITY' },
      'POLICY_VIOLATION',
      'CURIOSITY is not a purpose of the policy',
    ],
    ['no subject', { subjects: [] }, 'INVALID_INPUT', 'query.subjects must be 1 to 2 subject keys'],
    [
      'two keys of one version',
      {
        subjects: [
          { keyVersion: 1, subjectKey: KEY },
          { keyVersion: 1, subjectKey: KEY2 },
        ],
      },
      'INVALID_INPUT',
      'one key per key version',
    ],
    [
      'a raw identifier',
      { subjects: [{ keyVersion: 1, subjectKey: '110101199003074514' }] },
      'INVALID_INPUT',
      'subjectKey must be',
    ],
  ];
  it.each(cases)('refuses %s', (_name, over, code, message) => {
    const r = refusal(() => q(over));
    expect(r.code).toBe(code);
    expect(r.detail).toContain(message);
  });

  it('a subject report is never exempt from consent, whatever the policy says', () => {
    const policy = {
      ...GENESIS_POLICY,
      exemptPurposes: [...GENESIS_POLICY.exemptPurposes, 'SUBJECT_REPORT'].sort(),
    };
    expect(
      refusal(() =>
        parseQuery(
          { purpose: 'SUBJECT_REPORT', subjects: [{ keyVersion: 1, subjectKey: KEY }] },
          policy,
          TODAY,
        ),
      ).code,
    ).toBe('CONSENT_REQUIRED');
  });
});

describe('query results', () => {
  it('show active and disputed entries with provenance, not expired or revoked ones', () => {
    const hits = visibleHits(
      [
        entry('BankBMSP', 'MONEY_MULE'),
        entry('BankAMSP', 'MONEY_MULE', { status: 'DISPUTED' }),
        entry('PayCoMSP', 'MONEY_MULE', { status: 'REVOKED' }),
        entry('ClearingHouseMSP', 'MONEY_MULE', { expiresOn: '2030-05-31' }),
      ],
      TODAY,
    );
    expect(hits.map((h) => [h.uploader, h.status, h.txId, h.listedAt])).toEqual([
      ['BankAMSP', 'DISPUTED', 'tx-BankAMSP-MONEY_MULE', '2030-01-01T00:00:00.000Z'],
      ['BankBMSP', 'ACTIVE', 'tx-BankBMSP-MONEY_MULE', '2030-01-01T00:00:00.000Z'],
    ]);
    expect(hits[0]).not.toHaveProperty('inputHash');
  });

  it('count each institution once across categories and key versions', () => {
    const hits = visibleHits(
      [
        entry('BankAMSP', 'MONEY_MULE'),
        entry('BankAMSP', 'CONFIRMED_FRAUD'),
        entry('BankAMSP', 'MONEY_MULE', { keyVersion: 2, subjectKey: KEY2 }),
        entry('BankBMSP', 'MONEY_MULE'),
      ],
      TODAY,
    );
    expect(crossValidation(hits)).toEqual({
      categories: ['CONFIRMED_FRAUD', 'MONEY_MULE'],
      institutions: 2,
      institutionsByCategory: { CONFIRMED_FRAUD: 1, MONEY_MULE: 2 },
    });
  });

  it('do not depend on the order the entries were read in (property)', () => {
    const uploaders = ['BankAMSP', 'BankBMSP', 'PayCoMSP', 'ClearingHouseMSP'];
    const categories = Object.keys(GENESIS_POLICY.categories);
    const statuses = ['ACTIVE', 'DISPUTED', 'REVOKED'] as const;
    const arb = fc.uniqueArray(
      fc.record({
        u: fc.constantFrom(...uploaders),
        c: fc.constantFrom(...categories),
        s: fc.constantFrom(...statuses),
        expired: fc.boolean(),
      }),
      { selector: (r) => `${r.u}:${r.c}`, maxLength: 20 },
    );
    fc.assert(
      fc.property(arb, fc.func(fc.integer()), (rows, rank) => {
        const entries = rows.map((r) =>
          entry(r.u, r.c, { status: r.s, ...(r.expired ? { expiresOn: '2030-05-31' } : {}) }),
        );
        const shuffled = [...entries].sort((a, b) => rank(a.txId) - rank(b.txId));
        const a = visibleHits(entries, TODAY);
        expect(visibleHits(shuffled, TODAY)).toEqual(a);
        const live = rows.filter((r) => r.s !== 'REVOKED' && !r.expired);
        expect(crossValidation(a).institutions).toBe(new Set(live.map((r) => r.u)).size);
      }),
    );
  });

  it('record who asked, which keys, why, the consent and how many hits, and answer only the keys asked', () => {
    const actor: Actor = {
      id: 'x509::CN=alice::ca',
      mspId: 'BankAMSP',
      name: 'alice',
      roles: ['reconciler'],
    };
    const { record, result } = answerQuery(
      q(),
      [entry('BankBMSP', 'MONEY_MULE'), entry('BankBMSP', 'MONEY_MULE', { subjectKey: KEY2 })],
      { actor, at: `${TODAY}T10:00:00.000Z`, policyVersion: 3, txId: 'tx-q' },
    );
    expect(record).toEqual({
      at: `${TODAY}T10:00:00.000Z`,
      consentExpiresOn: '2030-12-31',
      consentHash: 'c'.repeat(64),
      hits: 1,
      policyVersion: 3,
      purpose: 'ACCOUNT_OPENING',
      querier: { mspId: 'BankAMSP', name: 'alice' },
      queryId: 'tx-q',
      subjectKeys: [KEY],
    } satisfies QueryRecord);
    expect(result.entries).toHaveLength(1);
    expect(result.crossValidation.institutions).toBe(1);
  });

  it('a subject report lists who looked, newest first, once per query, without the person', () => {
    const actor: Actor = { id: 'x', mspId: 'PayCoMSP', name: 'pavel', roles: ['reconciler'] };
    const look = (id: string, at: string, mspId: string): QueryRecord => ({
      ...answerQuery(q(), [], { actor: { ...actor, mspId }, at, policyVersion: 1, txId: id }).record,
    });
    const { result } = answerQuery(q(), [], {
      actor,
      at: `${TODAY}T12:00:00.000Z`,
      policyVersion: 1,
      txId: 'tx-r',
    });
    const report = subjectReport(result, [
      look('q1', '2030-02-01T00:00:00.000Z', 'BankAMSP'),
      look('q2', '2030-03-01T00:00:00.000Z', 'BankBMSP'),
      look('q1', '2030-02-01T00:00:00.000Z', 'BankAMSP'),
    ]);
    expect(report.looks).toEqual([
      { institution: 'BankBMSP', on: '2030-03-01', purpose: 'ACCOUNT_OPENING', queryId: 'q2' },
      { institution: 'BankAMSP', on: '2030-02-01', purpose: 'ACCOUNT_OPENING', queryId: 'q1' },
    ]);
  });
});
