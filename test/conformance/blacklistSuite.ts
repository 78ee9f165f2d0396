import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createSubjectKeyFile,
  loadSubjectKeyring,
  type SubjectKeyring,
} from '../../application/src/blacklist/subjectKeys';
import { AlertFollower } from '../../application/src/blacklistAlerts/follower';
import { migrate } from '../../application/src/db/migrate';
import { BlacklistGateway, type EntryInput } from '../../application/src/ledger/blacklistGateway';
import { LedgerRejected, type Identity } from '../../application/src/ledger/ledgerGateway';
import type { BlacklistPolicy, EntryView, SubjectRef } from '../../chaincode/src/api/blacklist';
import { BLACKLIST_ACCESS, type BlacklistOperation } from '../../chaincode/src/core/blacklist/access';
import { GENESIS_POLICY } from '../../chaincode/src/core/blacklist/policy';
import { canonicalJson } from '../../chaincode/src/ledger/codec';
import {
  addWatches,
  listAlerts,
  listDisputes,
  listOwnEntries,
  writeNextBlock,
  type Alert,
} from '../../application/src/readModel/blacklistAlerts';
import { LEDGER_NAME, startBackend, type Backend } from '../support/backend';
import { openTestDatabase } from '../support/testDatabase';

/**
 * The blacklist contract through a real ledger backend, with real X.509 identities per person (the reconciliation
 * suite, suite.ts, is the model). Subjects are hashed on the "node" with a consortium key made for the run, so a
 * run on a long-lived network lists fresh subjects; the policy step adds a category named for the run. The
 * clearing house never joins: it is the institution outside the blacklist.
 */
export function defineBlacklistSuite(
  start: () => Promise<Backend> = startBackend,
  name: string = LEDGER_NAME,
): () => Backend {
  let backend: Backend;
  let bl: BlacklistGateway;
  let ring: SubjectKeyring;
  let keyDir: string;
  const who: Record<string, Identity> = {};
  const CONSENT = {
    expiresOn: '2099-12-31',
    hash: createHash('sha256').update('signed consent').digest('hex'),
  };

  beforeAll(async () => {
    backend = await start();
    const connection = backend.embedded ?? backend.fabric;
    if (!connection) throw new Error('the backend has no connection');
    bl = new BlacklistGateway(connection.gateway);
    for (const id of [
      'banka-system',
      'bankb-system',
      'payco-system',
      'clearing-system',
      'alice',
      'bruno',
      'pavel',
      'anna',
      'bella',
      'petra',
      'cora',
      'audrey',
      'banka-admin',
      'bankb-admin',
      'payco-admin',
    ])
      who[id] = await backend.identity(id);
    keyDir = mkdtempSync(join(tmpdir(), 'tallystick-blacklist-key-'));
    await createSubjectKeyFile(join(keyDir, 'v1.key'), 1);
    ring = await loadSubjectKeyring({ files: [join(keyDir, 'v1.key')] }, join(keyDir, 'data'));
  });
  afterAll(async () => {
    await backend.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const id = (name: string): Identity => {
    const i = who[name];
    if (!i) throw new Error(`no identity ${name}`);
    return i;
  };

  async function refused(p: Promise<unknown>, code: string): Promise<LedgerRejected> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e, `expected ${code}`).toBeInstanceOf(LedgerRejected);
    expect((e as LedgerRejected).code).toBe(code);
    return e as LedgerRejected;
  }

  /** A refusal by the chaincode commits nothing: the ledger's height does not move. */
  async function refusedWritingNothing(p: () => Promise<unknown>, code: string): Promise<LedgerRejected> {
    const before = backend.height();
    const e = await refused(p(), code);
    expect(backend.height()).toBe(before);
    return e;
  }

  const subjectOf = (type: string, raw: string): SubjectRef => {
    const [k] = ring.keysForIdentifier(type, raw, 'identifier');
    if (!k) throw new Error('no key');
    return k;
  };
  const mule = () => subjectOf('MOBILE', '13800138000');
  const card = () => subjectOf('BANK_CARD', '4111 1111 1111 1111');
  const entry = (subject: SubjectRef, over: Partial<EntryInput> = {}): EntryInput => ({
    category: 'MONEY_MULE',
    evidence: { salt: randomBytes(16).toString('hex'), summary: 'three victims reported transfers to it' },
    indicators: ['MULE_PATTERN', 'POLICE_REPORT'],
    severity: 'HIGH',
    subject,
    ...over,
  });

  describe(`blacklist chaincode on the ${name} network`, () => {
    let muleEntryA: EntryInput;
    const uploads: Record<string, string> = {};

    it('an institution joins through its admin only; before it has, it may neither list nor query', async () => {
      await refusedWritingNothing(() => bl.join(id('alice')), 'ROLE_REQUIRED');
      const joined = await bl.join(id('banka-admin'));
      expect(joined.result.member.mspId).toBe('BankAMSP');
      await bl.join(id('bankb-admin'));
      await bl.join(id('payco-admin'));
      expect((await bl.join(id('banka-admin'))).result.outcome).toBe('UNCHANGED');
      const members = (await bl.members(id('audrey'))).map((m) => m.mspId);
      expect(members).toEqual(expect.arrayContaining(['BankAMSP', 'BankBMSP', 'PayCoMSP']));
      expect(members).not.toContain('ClearingHouseMSP');
      await refusedWritingNothing(() => bl.upload(id('clearing-system'), entry(mule())), 'NOT_A_MEMBER');
      await refusedWritingNothing(
        () =>
          bl.query(id('clearing-system'), {
            consent: CONSENT,
            purpose: 'ACCOUNT_OPENING',
            subjects: [mule()],
          }),
        'NOT_A_MEMBER',
      );
    });

    it('lists an entry with its provenance; the same upload again changes nothing', async () => {
      muleEntryA = entry(mule());
      const first = await bl.upload(id('banka-system'), muleEntryA);
      expect(first.result).toEqual([
        expect.objectContaining({
          category: 'MONEY_MULE',
          outcome: 'LISTED',
          status: 'ACTIVE',
          subjectKey: mule().subjectKey,
          txId: first.txId,
          uploader: 'BankAMSP',
        }),
      ]);
      uploads.A = first.txId;
      const again = await bl.upload(id('banka-system'), muleEntryA);
      expect(again.result[0]).toMatchObject({ outcome: 'UNCHANGED', txId: first.txId });
      const history = await bl.entryHistory(id('banka-system'), mule().subjectKey, 'BankAMSP', 'MONEY_MULE');
      expect(history.map((h) => h.txId)).toEqual([first.txId]);
      // Another upload over the entry in force (new evidence) is a conflict naming the listing.
      const e = await refusedWritingNothing(
        () => bl.upload(id('banka-system'), entry(mule(), { severity: 'LOW' })),
        'IDEMPOTENCY_CONFLICT',
      );
      expect(e.message).toContain(first.txId);
    });

    it('keeps the evidence in the uploader’s private collection, its salted hash on the entry', async () => {
      const view = await bl.getEntry(id('banka-system'), mule().subjectKey, 'BankAMSP', 'MONEY_MULE');
      expect(JSON.stringify(view)).not.toContain(muleEntryA.evidence.summary);
      const own = (await bl.ownEvidence(id('banka-system'), mule().subjectKey, 'MONEY_MULE')) as {
        evidence: unknown;
        evidenceHash: string;
      };
      const expected = { documentHashes: [], ...muleEntryA.evidence };
      expect(own.evidence).toEqual(expected);
      expect(own.evidenceHash).toBe(view.entry.evidenceHash);
      expect(createHash('sha256').update(canonicalJson(expected)).digest('hex')).toBe(
        view.entry.evidenceHash,
      );
      // Another institution's evidence is never read, whatever it names.
      await refused(bl.ownEvidence(id('bankb-system'), mule().subjectKey, 'MONEY_MULE'), 'ENTRY_NOT_FOUND');
    });

    it('a batch is all or nothing: one bad entry refuses it with its index and writes nothing', async () => {
      const bad = [
        entry(mule(), { category: 'CONFIRMED_FRAUD', indicators: ['POLICE_REPORT', 'VICTIM_COMPLAINT'] }),
        entry(card()),
        entry(card(), { category: 'SERIOUS_DEFAULT', indicators: [] }),
      ];
      const e = await refusedWritingNothing(
        () => bl.uploadBatch(id('bankb-system'), bad),
        'POLICY_VIOLATION',
      );
      expect(e.message).toContain('entries[2].indicators');
      await refused(
        bl.getEntry(id('bankb-system'), mule().subjectKey, 'BankBMSP', 'CONFIRMED_FRAUD'),
        'ENTRY_NOT_FOUND',
      );
      const unknown = await refusedWritingNothing(
        () => bl.uploadBatch(id('bankb-system'), [entry(card(), { category: 'RUDE_CUSTOMER' })]),
        'POLICY_VIOLATION',
      );
      expect(unknown.message).toContain('entries[0].category');
      await refusedWritingNothing(
        () => bl.uploadBatch(id('bankb-system'), [entry(card(), { expiresOn: '2199-01-01' })]),
        'POLICY_VIOLATION',
      );
      await refusedWritingNothing(
        () => bl.uploadBatch(id('bankb-system'), [entry({ keyVersion: 1, subjectKey: '13800138000' })]),
        'INVALID_INPUT',
      );
      const good = await bl.uploadBatch(id('bankb-system'), bad.slice(0, 2));
      expect(good.result.map((r) => [r.category, r.outcome])).toEqual([
        ['CONFIRMED_FRAUD', 'LISTED'],
        ['MONEY_MULE', 'LISTED'],
      ]);
      uploads.B = good.txId;
      await bl.upload(id('payco-system'), entry(mule()));
    });

    it('a query is a recorded transaction: entries with provenance and the cross-validation count', async () => {
      const q = await bl.query(id('alice'), {
        consent: CONSENT,
        purpose: 'ACCOUNT_OPENING',
        subjects: [mule()],
      });
      expect(q.result.queryId).toBe(q.txId);
      expect(q.result.entries.map((e) => [e.uploader, e.category, e.status])).toEqual([
        ['BankAMSP', 'MONEY_MULE', 'ACTIVE'],
        ['BankBMSP', 'CONFIRMED_FRAUD', 'ACTIVE'],
        ['PayCoMSP', 'MONEY_MULE', 'ACTIVE'],
      ]);
      const fromA = q.result.entries[0];
      expect(fromA?.txId).toBe(uploads.A);
      expect(q.result.entries[1]?.txId).toBe(uploads.B);
      expect(fromA?.listedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(q.result.crossValidation).toEqual({
        categories: ['CONFIRMED_FRAUD', 'MONEY_MULE'],
        institutions: 3,
        institutionsByCategory: { CONFIRMED_FRAUD: 1, MONEY_MULE: 2 },
      });
      const other = await bl.query(id('bruno'), { purpose: 'FRAUD_INVESTIGATION', subjects: [card()] });
      expect(other.result.crossValidation).toMatchObject({ institutions: 1, categories: ['MONEY_MULE'] });

      const log = await bl.queryLog(id('audrey'), mule().subjectKey);
      const mine = log.find((r) => r.queryId === q.txId);
      expect(mine).toEqual({
        at: q.result.at,
        consentExpiresOn: CONSENT.expiresOn,
        consentHash: CONSENT.hash,
        hits: 3,
        policyVersion: expect.any(Number) as number,
        purpose: 'ACCOUNT_OPENING',
        querier: { mspId: 'BankAMSP', name: 'alice' },
        queryId: q.txId,
        subjectKeys: [mule().subjectKey],
      });
      const exempt = (await bl.queryLog(id('audrey'), card().subjectKey)).find(
        (r) => r.queryId === other.txId,
      );
      expect(exempt).toMatchObject({
        consentHash: null,
        purpose: 'FRAUD_INVESTIGATION',
        querier: { mspId: 'BankBMSP' },
      });
    });

    it('refuses queries without a legal basis, and every other access outside the table, by the chaincode', async () => {
      const ask = { purpose: 'ACCOUNT_OPENING', subjects: [mule()] };
      await refusedWritingNothing(() => bl.query(id('alice'), ask), 'CONSENT_REQUIRED');
      await refusedWritingNothing(
        () => bl.query(id('alice'), { ...ask, consent: { ...CONSENT, expiresOn: '2000-01-01' } }),
        'CONSENT_EXPIRED',
      );
      await refusedWritingNothing(
        () => bl.query(id('alice'), { ...ask, purpose: 'CURIOSITY', consent: CONSENT }),
        'POLICY_VIOLATION',
      );
      await refusedWritingNothing(() => bl.query(id('anna'), { ...ask, consent: CONSENT }), 'ROLE_REQUIRED');
      await refusedWritingNothing(
        () => bl.query(id('audrey'), { ...ask, consent: CONSENT }),
        'ROLE_REQUIRED',
      );
      await refusedWritingNothing(() => bl.upload(id('anna'), entry(card())), 'ROLE_REQUIRED');
      // An entry read by key is no way around a recorded query: another institution is told it does not exist.
      await refused(bl.getEntry(id('bruno'), mule().subjectKey, 'BankAMSP', 'MONEY_MULE'), 'ENTRY_NOT_FOUND');
      await refused(
        bl.entryHistory(id('bruno'), mule().subjectKey, 'BankAMSP', 'MONEY_MULE'),
        'ENTRY_NOT_FOUND',
      );
      const own: EntryView = await bl.getEntry(id('alice'), mule().subjectKey, 'BankAMSP', 'MONEY_MULE');
      expect(own.status).toBe('ACTIVE');
      expect((await bl.getEntry(id('audrey'), mule().subjectKey, 'BankAMSP', 'MONEY_MULE')).entry.txId).toBe(
        uploads.A,
      );
      await refused(bl.queryLog(id('alice'), mule().subjectKey), 'ROLE_REQUIRED');
    });

    it('the subject’s report lists the entries and who looked (institution, purpose, day), and is recorded', async () => {
      await refusedWritingNothing(
        () => bl.subjectReport(id('bruno'), { consent: undefined as never, subjects: [mule()] }),
        'CONSENT_REQUIRED',
      );
      const r = await bl.subjectReport(id('bruno'), { consent: CONSENT, subjects: [mule()] });
      expect(r.result.crossValidation.institutions).toBe(3);
      const look = r.result.looks.find(
        (l) => l.institution === 'BankAMSP' && l.purpose === 'ACCOUNT_OPENING',
      );
      expect(look?.on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(JSON.stringify(r.result.looks)).not.toContain('alice');
      const log = await bl.queryLog(id('audrey'), mule().subjectKey);
      expect(log.find((q) => q.queryId === r.txId)).toMatchObject({
        purpose: 'SUBJECT_REPORT',
        querier: { mspId: 'BankBMSP' },
      });
    });

    it('a policy change takes effect when a majority of member institutions approved it, each version kept', async () => {
      const before = await bl.policy(id('alice'));
      const category = `RUN_${randomBytes(4).toString('hex').toUpperCase()}`;
      const next: BlacklistPolicy = {
        ...before.policy,
        categories: { ...before.policy.categories, [category]: { indicatorsMin: 1, listingDaysMax: 365 } },
      };
      const listed = entry(card(), { category, indicators: ['CHARGEBACK_FRAUD'] });
      await refusedWritingNothing(() => bl.upload(id('banka-system'), listed), 'POLICY_VIOLATION');
      await refusedWritingNothing(
        () => bl.proposePolicy(id('alice'), `p-${category}`, next),
        'ROLE_REQUIRED',
      );
      const proposed = await bl.proposePolicy(id('banka-admin'), `p-${category}`, next);
      expect(proposed.result).toMatchObject({ outcome: 'PROPOSED', status: 'OPEN' });
      // A rival proposal against the same version: superseded once the first is adopted.
      const rival = await bl.proposePolicy(id('bankb-admin'), `r-${category}`, {
        ...before.policy,
        disputes: { answerDays: 10, voteDays: 10 },
      });
      expect(rival.result.status).toBe('OPEN');

      await refusedWritingNothing(() => bl.approvePolicy(id('cora'), `p-${category}`), 'NOT_A_MEMBER');
      await refusedWritingNothing(() => bl.approvePolicy(id('alice'), `p-${category}`), 'ROLE_REQUIRED');
      await refused(bl.approvePolicy(id('anna'), 'no-such-proposal'), 'PROPOSAL_NOT_FOUND');
      const members = (await bl.members(id('anna'))).length;
      const approvers = ['anna', 'bella', 'petra'];
      let adoptedAt = -1;
      for (const [i, a] of approvers.entries()) {
        const step = await bl.approvePolicy(id(a), `p-${category}`);
        if (step.result.outcome === 'ADOPTED') {
          adoptedAt = i + 1;
          expect(step.result.version).toMatchObject({
            version: before.version + 1,
            proposalId: `p-${category}`,
          });
          expect(step.result.version?.approvedBy).toHaveLength(adoptedAt);
          break;
        }
        expect(step.result).toMatchObject({ outcome: 'APPROVED', status: 'OPEN' });
        expect((await bl.policy(id('anna'))).version).toBe(before.version);
      }
      expect(adoptedAt).toBe(Math.floor(members / 2) + 1);
      const now = await bl.policy(id('alice'));
      expect(now.version).toBe(before.version + 1);
      expect(now.policy.categories[category]).toEqual({ indicatorsMin: 1, listingDaysMax: 365 });
      expect((await bl.policy(id('alice'), before.version)).policy).toEqual(before.policy);
      expect((await bl.policy(id('alice'), 1)).policy).toEqual(GENESIS_POLICY);
      await refused(bl.approvePolicy(id('petra'), `p-${category}`), 'ALREADY_DECIDED');
      const superseded = await refused(bl.approvePolicy(id('anna'), `r-${category}`), 'ALREADY_DECIDED');
      expect(superseded.message).toContain('propose it again');
      expect((await bl.proposal(id('anna'), `r-${category}`)).status).toBe('SUPERSEDED');

      const up = await bl.upload(id('banka-system'), listed);
      expect(up.result[0]).toMatchObject({ outcome: 'LISTED', category });
      expect(
        (await bl.getEntry(id('audrey'), card().subjectKey, 'BankAMSP', category)).entry.policyVersion,
      ).toBe(now.version);
    });

    /** Adopts a policy through the members' approvers (as many as the majority needs); returns its version. */
    async function adopt(policy: BlacklistPolicy, tag: string): Promise<number> {
      const proposalId = `${tag}-${randomBytes(4).toString('hex')}`;
      await bl.proposePolicy(id('banka-admin'), proposalId, policy);
      for (const a of ['anna', 'bella', 'petra']) {
        const step = await bl.approvePolicy(id(a), proposalId);
        if (step.result.outcome === 'ADOPTED') return step.result.version?.version ?? -1;
      }
      throw new Error(`policy ${proposalId} was not adopted`);
    }
    const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');

    it('metering: each query counts against the allowance; a confirmed hit counts more; over it, ALLOWANCE_EXCEEDED with the renewal time, writing nothing', async () => {
      const before = await bl.allowance(id('alice'));
      expect(before.mspId).toBe('BankAMSP');
      const q = await bl.query(id('alice'), {
        consent: CONSENT,
        purpose: 'ACCOUNT_OPENING',
        subjects: [mule()],
      });
      const after = await bl.allowance(id('alice'));
      expect(after.used).toBe(before.used + 1);
      // Bank B's query finds Bank A's entry; Bank B confirms the hit: Bank A's entry counts more.
      const hitB = await bl.query(id('bruno'), { purpose: 'FRAUD_INVESTIGATION', subjects: [mule()] });
      const hit = {
        category: 'MONEY_MULE',
        queryId: hitB.txId,
        subjectKey: mule().subjectKey,
        uploader: 'BankAMSP',
      };
      const aBefore = await bl.allowance(id('audrey'), 'BankAMSP');
      const confirmed = await bl.confirmHit(id('bruno'), hit);
      expect(confirmed.result.confirmedBy).toContain('BankBMSP');
      const aAfter = await bl.allowance(id('audrey'), 'BankAMSP');
      const m = (await bl.policy(id('alice'))).policy.metering;
      if (confirmed.result.outcome === 'CONFIRMED') {
        expect(aAfter.confirmed).toBe(aBefore.confirmed + 1);
        expect(aAfter.allowance).toBe(Math.max(0, aBefore.allowance + m.queriesPerConfirmedEntry));
      }
      expect((await bl.confirmHit(id('bruno'), hit)).result.outcome).toBe('UNCHANGED');
      await refusedWritingNothing(
        () => bl.confirmHit(id('alice'), { ...hit, queryId: q.txId }),
        'WRONG_INSTITUTION',
      );
      await refusedWritingNothing(() => bl.confirmHit(id('pavel'), hit), 'NOT_A_HIT');
      await refused(bl.allowance(id('alice'), 'BankBMSP'), 'WRONG_INSTITUTION');

      // No allowance at all: the next query is refused, naming when the allowance renews.
      const current = await bl.policy(id('alice'));
      const zero = {
        periodDays: 30,
        queriesBase: 0,
        queriesPerConfirmedEntry: 0,
        queriesPerEntry: 0,
        queriesPerRevokedEntry: 0,
      };
      await adopt({ ...current.policy, metering: zero }, 'meter-zero');
      try {
        const e = await refusedWritingNothing(
          () => bl.query(id('pavel'), { consent: CONSENT, purpose: 'ACCOUNT_OPENING', subjects: [mule()] }),
          'ALLOWANCE_EXCEEDED',
        );
        const renews = /renewsAt=([0-9T:.Z-]+)/.exec(e.message)?.[1];
        expect(renews).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
        expect(Date.parse(renews ?? '')).toBeGreaterThan(Date.now() - 86_400_000);
        expect((await bl.allowance(id('pavel'))).period.renewsAt).toBe(renews);
      } finally {
        await adopt(current.policy, 'meter-back');
      }
      await bl.query(id('pavel'), { consent: CONSENT, purpose: 'ACCOUNT_OPENING', subjects: [mule()] });
    });

    it('disputes: DISPUTED in every result at once; maintained and contested, the members’ majority revokes; the evidence is purged by its uploader, the hash and the history stay', async () => {
      const subject = subjectOf('MOBILE', `1370013${String(Date.now() % 10_000).padStart(4, '0')}`);
      const listed = entry(subject, { expiresOn: tomorrow() });
      await bl.upload(id('banka-system'), listed);
      const disputeId = `d-${randomBytes(6).toString('hex')}`;
      const request = {
        category: 'MONEY_MULE',
        disputeId,
        requestHash: sha('subject asks'),
        subjectKey: subject.subjectKey,
        uploader: 'BankAMSP',
      };
      await refusedWritingNothing(() => bl.openDispute(id('alice'), request), 'WRONG_INSTITUTION');
      await refusedWritingNothing(
        () => bl.openDispute(id('bruno'), { ...request, uploader: 'PayCoMSP' }),
        'ENTRY_NOT_FOUND',
      );
      const opened = await bl.openDispute(id('bruno'), request);
      expect(opened.result).toMatchObject({ outcome: 'OPENED', dispute: { status: 'AWAITING_ANSWER' } });
      expect((await bl.openDispute(id('bruno'), request)).result.outcome).toBe('UNCHANGED');
      await refusedWritingNothing(
        () => bl.openDispute(id('pavel'), { ...request, disputeId: `${disputeId}-2` }),
        'INVALID_TRANSITION',
      );
      // At once, in everyone's results.
      const seen = await bl.query(id('pavel'), { purpose: 'FRAUD_INVESTIGATION', subjects: [subject] });
      expect(seen.result.entries.map((e) => [e.uploader, e.status])).toEqual([['BankAMSP', 'DISPUTED']]);

      await refusedWritingNothing(
        () => bl.disputeStep(id('anna'), disputeId, 'VOTE', 'REVOKE'),
        'INVALID_TRANSITION',
      );
      await refusedWritingNothing(
        () => bl.disputeStep(id('pavel'), disputeId, 'MAINTAIN', sha('x')),
        'NOT_A_PARTY',
      );
      await refusedWritingNothing(
        () => bl.disputeStep(id('alice'), disputeId, 'CLOSE'),
        'DEADLINE_NOT_REACHED',
      );
      await refused(bl.disputeStep(id('alice'), 'no-such-dispute', 'CLOSE'), 'DISPUTE_NOT_FOUND');
      const view = await bl.getEntry(id('alice'), subject.subjectKey, 'BankAMSP', 'MONEY_MULE');
      await bl.disputeStep(id('alice'), disputeId, 'MAINTAIN', view.entry.evidenceHash);
      await refusedWritingNothing(() => bl.disputeStep(id('alice'), disputeId, 'CONTEST'), 'NOT_A_PARTY');
      const contested = await bl.disputeStep(id('bruno'), disputeId, 'CONTEST');
      expect(contested.result.dispute).toMatchObject({ status: 'VOTING', votingReason: 'CONTESTED' });
      // Votes until one side has a majority of the members: Bank A upholds, the others revoke.
      let decided = contested.result.dispute;
      for (const [voter, choice] of [
        ['anna', 'UPHOLD'],
        ['bella', 'REVOKE'],
        ['petra', 'REVOKE'],
      ] as const) {
        decided = (await bl.disputeStep(id(voter), disputeId, 'VOTE', choice)).result.dispute;
        if (decided.status !== 'VOTING') break;
      }
      expect(decided.status).toBe('REVOKED');
      expect((await bl.dispute(id('cora'), disputeId)).status).toBe('REVOKED');
      const revoked = await bl.getEntry(id('alice'), subject.subjectKey, 'BankAMSP', 'MONEY_MULE');
      expect(revoked.entry).toMatchObject({
        evidenceHash: view.entry.evidenceHash,
        evidencePurge: { status: 'DUE' },
        revocation: { disputeId, how: 'VOTE' },
        status: 'REVOKED',
      });
      const gone = await bl.query(id('pavel'), { purpose: 'FRAUD_INVESTIGATION', subjects: [subject] });
      expect(gone.result.entries).toEqual([]);
      // The uploader may neither list nor query before it purged; then the evidence is gone, the hash stays.
      await refusedWritingNothing(
        () =>
          bl.upload(
            id('banka-system'),
            entry(card(), { category: 'SERIOUS_DEFAULT', indicators: ['COURT_JUDGMENT'] }),
          ),
        'EVIDENCE_PURGE_DUE',
      );
      await refusedWritingNothing(
        () => bl.query(id('alice'), { purpose: 'FRAUD_INVESTIGATION', subjects: [subject] }),
        'EVIDENCE_PURGE_DUE',
      );
      expect(await bl.ownEvidence(id('banka-system'), subject.subjectKey, 'MONEY_MULE')).toBeTruthy();
      const purged = await bl.purgeEvidence(id('banka-system'));
      expect(purged.result).toContainEqual({
        category: 'MONEY_MULE',
        disputeId,
        evidenceHash: view.entry.evidenceHash,
        subjectKey: subject.subjectKey,
      });
      await refused(bl.ownEvidence(id('banka-system'), subject.subjectKey, 'MONEY_MULE'), 'ENTRY_NOT_FOUND');
      const after = await bl.getEntry(id('audrey'), subject.subjectKey, 'BankAMSP', 'MONEY_MULE');
      expect(after.entry).toMatchObject({
        evidenceHash: view.entry.evidenceHash,
        evidencePurge: { status: 'DONE', txId: purged.txId },
      });
      const history = await bl.entryHistory(id('audrey'), subject.subjectKey, 'BankAMSP', 'MONEY_MULE');
      expect(history.map((h) => (h.value as EntryView['entry']).status)).toEqual([
        'REVOKED',
        'REVOKED',
        'DISPUTED',
        'ACTIVE',
      ]);
      expect((await bl.purgeEvidence(id('banka-system'))).result).toEqual([]);
      await refusedWritingNothing(() => bl.upload(id('banka-system'), listed), 'INVALID_TRANSITION');
    });

    it('disputes: a retraction by the uploader revokes and purges in its own transaction; a withdrawn dispute leaves the entry in force', async () => {
      const subject = subjectOf('MOBILE', `1360013${String(Date.now() % 10_000).padStart(4, '0')}`);
      await bl.uploadBatch(id('bankb-system'), [
        entry(subject, { expiresOn: tomorrow() }),
        entry(subject, {
          category: 'SERIOUS_DEFAULT',
          expiresOn: tomorrow(),
          indicators: ['COURT_JUDGMENT'],
        }),
      ]);
      const base = {
        requestHash: sha('subject asks again'),
        subjectKey: subject.subjectKey,
        uploader: 'BankBMSP',
      };
      const retracted = `r-${randomBytes(6).toString('hex')}`;
      await bl.openDispute(id('pavel'), { ...base, category: 'MONEY_MULE', disputeId: retracted });
      const step = await bl.disputeStep(id('bruno'), retracted, 'RETRACT');
      expect(step.result.dispute.status).toBe('RETRACTED');
      expect(
        (await bl.getEntry(id('bruno'), subject.subjectKey, 'BankBMSP', 'MONEY_MULE')).entry,
      ).toMatchObject({
        evidencePurge: { status: 'DONE', txId: step.txId },
        revocation: { how: 'RETRACTED' },
        status: 'REVOKED',
      });
      await refused(bl.ownEvidence(id('bankb-system'), subject.subjectKey, 'MONEY_MULE'), 'ENTRY_NOT_FOUND');
      await refusedWritingNothing(
        () => bl.disputeStep(id('pavel'), retracted, 'WITHDRAW'),
        'ALREADY_DECIDED',
      );
      const withdrawn = `w-${randomBytes(6).toString('hex')}`;
      await bl.openDispute(id('pavel'), { ...base, category: 'SERIOUS_DEFAULT', disputeId: withdrawn });
      expect((await bl.disputeStep(id('pavel'), withdrawn, 'WITHDRAW')).result.dispute.status).toBe(
        'WITHDRAWN',
      );
      const q = await bl.query(id('alice'), { purpose: 'FRAUD_INVESTIGATION', subjects: [subject] });
      expect(q.result.entries.map((e) => [e.category, e.status])).toEqual([['SERIOUS_DEFAULT', 'ACTIVE']]);
    });

    it('evidence on request: after a hit, the uploader approves; the requester gets it from the uploader’s peer and its node checks the hash the ledger recorded', async () => {
      const hit = await bl.query(id('bruno'), { purpose: 'FRAUD_INVESTIGATION', subjects: [mule()] });
      const requestId = `e-${randomBytes(6).toString('hex')}`;
      const ask = {
        category: 'MONEY_MULE',
        queryId: hit.txId,
        requestId,
        subjectKey: mule().subjectKey,
        uploader: 'BankAMSP',
      };
      await refusedWritingNothing(
        () => bl.requestEvidence(id('pavel'), { ...ask, requestId: `${requestId}-x` }),
        'NOT_A_HIT',
      );
      await refusedWritingNothing(() => bl.requestEvidence(id('alice'), ask), 'WRONG_INSTITUTION');
      const asked = await bl.requestEvidence(id('bruno'), ask);
      expect(asked.result).toMatchObject({
        outcome: 'REQUESTED',
        request: { requester: { mspId: 'BankBMSP' }, status: 'REQUESTED' },
      });
      await refused(bl.receiveEvidence(id('bruno'), requestId), 'INVALID_TRANSITION');
      await refused(bl.evidenceRequest(id('pavel'), requestId), 'EVIDENCE_REQUEST_NOT_FOUND');
      await refusedWritingNothing(
        () => bl.decideEvidenceRequest(id('bella'), requestId, 'APPROVE'),
        'NOT_A_PARTY',
      );
      const approved = await bl.decideEvidenceRequest(id('anna'), requestId, 'APPROVE');
      const listedHash = (await bl.getEntry(id('alice'), mule().subjectKey, 'BankAMSP', 'MONEY_MULE')).entry
        .evidenceHash;
      expect(approved.result.request).toMatchObject({
        decision: { by: 'anna', deliveredHash: listedHash, txId: approved.txId },
        status: 'APPROVED',
      });
      const got = await bl.receiveEvidence(id('bruno'), requestId);
      expect(got).toMatchObject({ deliveredHash: listedHash, receivedHash: listedHash, verified: true });
      expect(got.evidence).toEqual({ documentHashes: [], ...muleEntryA.evidence });
      expect((await bl.evidenceRequest(id('audrey'), requestId)).status).toBe('APPROVED');
      // Another institution's reconciler is told there is no such request, on any peer.
      await refused(bl.receiveEvidence(id('pavel'), requestId), 'EVIDENCE_REQUEST_NOT_FOUND');
      await refusedWritingNothing(
        () => bl.decideEvidenceRequest(id('anna'), requestId, 'DECLINE'),
        'ALREADY_DECIDED',
      );
      const declinedId = `${requestId}-d`;
      await bl.requestEvidence(id('bruno'), { ...ask, requestId: declinedId });
      const declined = await bl.decideEvidenceRequest(id('anna'), declinedId, 'DECLINE');
      expect(declined.result.request).toMatchObject({
        decision: { deliveredHash: null },
        status: 'DECLINED',
      });
      await refused(bl.receiveEvidence(id('bruno'), declinedId), 'INVALID_TRANSITION');
    });

    it('access matrix: every role × every operation, own and another institution’s entry, decided by the chaincode', async () => {
      const run = randomBytes(4).toString('hex').toUpperCase();
      let n = 0;
      const fresh = () => subjectOf('MOBILE', `1390013${String(n++).padStart(4, '0')}`);
      const own = fresh();
      const other = fresh();
      await bl.upload(id('banka-system'), entry(own));
      await bl.upload(id('bankb-system'), entry(other));
      const current = await bl.policy(id('alice'));
      const proposalId = `m-${run}`;
      const changed = (tag: string): BlacklistPolicy => ({
        ...current.policy,
        categories: {
          ...current.policy.categories,
          [`M_${run}_${tag}`]: { indicatorsMin: 1, listingDaysMax: 30 },
        },
      });
      await bl.proposePolicy(id('banka-admin'), proposalId, changed('BASE'));
      const consent = CONSENT;
      // Fixtures for the dispute and evidence operations, each in the state its allowed role acts on.
      const voted = fresh();
      await bl.upload(id('bankb-system'), entry(voted));
      const hash = createHash('sha256').update(run).digest('hex');
      const dispute = (disputeId: string, subject: SubjectRef, uploader: string) => ({
        category: 'MONEY_MULE',
        disputeId,
        requestHash: hash,
        subjectKey: subject.subjectKey,
        uploader,
      });
      await bl.openDispute(id('bruno'), dispute(`mo-${run}`, own, 'BankAMSP'));
      await bl.openDispute(id('alice'), dispute(`mv-${run}`, voted, 'BankBMSP'));
      const votedHash = (await bl.getEntry(id('bankb-system'), voted.subjectKey, 'BankBMSP', 'MONEY_MULE'))
        .entry.evidenceHash;
      await bl.disputeStep(id('bruno'), `mv-${run}`, 'MAINTAIN', votedHash);
      await bl.disputeStep(id('alice'), `mv-${run}`, 'CONTEST');
      const ownHash = (await bl.getEntry(id('alice'), own.subjectKey, 'BankAMSP', 'MONEY_MULE')).entry
        .evidenceHash;
      const qOther = (await bl.query(id('alice'), { purpose: 'FRAUD_INVESTIGATION', subjects: [other] }))
        .txId;
      const qOwn = (await bl.query(id('bruno'), { purpose: 'FRAUD_INVESTIGATION', subjects: [own] })).txId;
      const evidenceAsk = (requestId: string, subject: SubjectRef, uploader: string, queryId: string) => ({
        category: 'MONEY_MULE',
        queryId,
        requestId,
        subjectKey: subject.subjectKey,
        uploader,
      });
      await bl.requestEvidence(id('bruno'), evidenceAsk(`mr-${run}`, own, 'BankAMSP', qOwn));
      await bl.requestEvidence(id('alice'), evidenceAsk(`ma-${run}`, other, 'BankBMSP', qOther));
      await bl.decideEvidenceRequest(id('bella'), `ma-${run}`, 'APPROVE');
      const ops: Record<
        BlacklistOperation | 'READ_OTHER_ENTRY',
        (who: Identity, user: string) => Promise<unknown>
      > = {
        JOIN: (who) => bl.join(who),
        UPLOAD: (who) => bl.upload(who, entry(fresh())),
        QUERY: (who) => bl.query(who, { consent, purpose: 'PAYMENT_SCREENING', subjects: [own] }),
        SUBJECT_REPORT: (who) => bl.subjectReport(who, { consent, subjects: [own] }),
        READ_ENTRY: (who) => bl.getEntry(who, own.subjectKey, 'BankAMSP', 'MONEY_MULE'),
        READ_OTHER_ENTRY: (who) => bl.getEntry(who, other.subjectKey, 'BankBMSP', 'MONEY_MULE'),
        READ_QUERY_LOG: (who) => bl.queryLog(who, own.subjectKey),
        PROPOSE_POLICY: (who, user) =>
          bl.proposePolicy(who, `m-${run}-${user}`, changed(user.toUpperCase().replace(/-/g, '_'))),
        APPROVE_POLICY: (who) => bl.approvePolicy(who, proposalId),
        READ_POLICY: (who) => bl.policy(who),
        READ_ALLOWANCE: (who) => bl.allowance(who),
        CONFIRM_HIT: (who) =>
          bl.confirmHit(who, {
            category: 'MONEY_MULE',
            queryId: qOther,
            subjectKey: other.subjectKey,
            uploader: 'BankBMSP',
          }),
        DISPUTE: (who) => bl.openDispute(who, dispute(`md-${run}`, other, 'BankBMSP')),
        DISPUTE_STEP: (who) => bl.disputeStep(who, `mo-${run}`, 'MAINTAIN', ownHash),
        VOTE: (who) => bl.disputeStep(who, `mv-${run}`, 'VOTE', 'UPHOLD'),
        READ_DISPUTE: (who) => bl.dispute(who, `mo-${run}`),
        PURGE_EVIDENCE: (who) => bl.purgeEvidence(who),
        REQUEST_EVIDENCE: (who) =>
          bl.requestEvidence(who, evidenceAsk(`mq-${run}`, other, 'BankBMSP', qOther)),
        DECIDE_EVIDENCE_REQUEST: (who) => bl.decideEvidenceRequest(who, `mr-${run}`, 'APPROVE'),
        READ_EVIDENCE_REQUEST: (who) => bl.evidenceRequest(who, `mr-${run}`),
        RECEIVE_EVIDENCE: (who) => bl.receiveEvidence(who, `ma-${run}`),
      };
      const users = {
        submitter: 'banka-system',
        reconciler: 'alice',
        approver: 'anna',
        admin: 'banka-admin',
        auditor: 'audrey',
      };
      const memberships = new Set((await bl.members(id('audrey'))).map((m) => m.mspId));
      const actual: string[] = [];
      const expected: string[] = [];
      for (const [role, user] of Object.entries(users)) {
        const who = id(user);
        for (const [op, run] of Object.entries(ops)) {
          const rule =
            BLACKLIST_ACCESS[op === 'READ_OTHER_ENTRY' ? 'READ_ENTRY' : (op as BlacklistOperation)];
          const want = !(rule.roles as readonly string[]).includes(role)
            ? 'ROLE_REQUIRED'
            : rule.member && !memberships.has(who.mspId)
              ? 'NOT_A_MEMBER'
              : op === 'READ_OTHER_ENTRY' && role !== 'auditor'
                ? 'ENTRY_NOT_FOUND'
                : 'OK';
          const got = await run(who, user).then(
            () => 'OK',
            (e: unknown) => (e instanceof LedgerRejected ? e.code : `not a refusal: ${String(e)}`),
          );
          actual.push(`${role} ${op} ${got}`);
          expected.push(`${role} ${op} ${want}`);
        }
      }
      expect(actual).toEqual(expected);
      // The table is not vacuous: each role may do something, and is refused something.
      for (const role of Object.keys(users)) {
        expect(actual.filter((a) => a.startsWith(`${role} `) && a.endsWith(' OK')).length).toBeGreaterThan(0);
        expect(actual.filter((a) => a.startsWith(`${role} `) && !a.endsWith(' OK')).length).toBeGreaterThan(
          0,
        );
      }
    });

    it('alerts and contributions: the node’s follower reads the blacklist events through the connection’s change stream', async () => {
      // What the node composes on either backend (institutionNodes.ts): the follower on `changes(mspId)`.
      const connection = backend.embedded ?? backend.fabric;
      if (!connection) throw new Error('the backend has no connection');
      const db = await openTestDatabase('blalerts');
      const raised: Alert[] = [];
      let follower: AlertFollower | undefined;
      try {
        await migrate(db.pool);
        // A long-lived network's earlier blocks are not this test's: the follower starts at the ledger's end.
        await writeNextBlock(db.pool, 'BankBMSP', backend.height());
        follower = await AlertFollower.start({
          source: connection.changes('BankBMSP'),
          pool: db.pool,
          institution: 'BankBMSP',
          onAlert: (a) => raised.push(a),
        });
        const listedByA = subjectOf('BANK_ACCOUNT', '6222 0288 0011 2233');
        const listedByB = subjectOf('BANK_ACCOUNT', '6222 0288 0011 4455');
        const unwatched = subjectOf('BANK_ACCOUNT', '6222 0288 0011 6677');
        const watches = await addWatches(db.pool, 'BankBMSP', 'bruno', new Date(), [
          { type: 'BANK_ACCOUNT', label: 'customer 42', keys: [listedByA] },
          { type: 'BANK_ACCOUNT', label: 'customer 43', keys: [listedByB] },
        ]);
        const byA = await bl.upload(id('banka-system'), entry(listedByA));
        const other = await bl.upload(id('banka-system'), entry(unwatched));
        const byB = await bl.upload(id('bankb-system'), entry(listedByB));
        const last = [byA, other, byB].reduce((m, c) => (c.blockNumber > m ? c.blockNumber : m), 0n);
        await follower.waitFor(last, 60_000);

        // One alert: Bank A listed a subject Bank B watches. Not Bank B's own listing, not an unwatched subject.
        const { items, open } = await listAlerts(db.pool, 'BankBMSP', { limit: 10, open: false });
        expect(open).toBe(1);
        expect(items).toEqual([
          expect.objectContaining({
            watchId: watches[0]?.watchId,
            label: 'customer 42',
            subjectKey: listedByA.subjectKey,
            uploader: 'BankAMSP',
            category: 'MONEY_MULE',
            status: 'ACTIVE',
            txId: byA.txId,
            blockNumber: byA.blockNumber.toString(),
          }),
        ]);
        expect(raised.map((a) => a.alertId)).toEqual(items.map((a) => a.alertId));
        // Bank B's own listing is in its contributions, with the transaction that listed it.
        const own = await listOwnEntries(db.pool, 'BankBMSP', 10, 0);
        expect(own.items).toEqual([
          expect.objectContaining({
            subjectKey: listedByB.subjectKey,
            status: 'ACTIVE',
            firstTxId: byB.txId,
          }),
        ]);
        expect(own.byStatus).toEqual({ ACTIVE: 1 });
        // Bank B disputes Bank A's entry: the follower projects it into Bank B's disputes, opened by Bank B.
        const disputeId = `d-${randomBytes(6).toString('hex')}`;
        const opened = await bl.openDispute(id('bruno'), {
          category: 'MONEY_MULE',
          disputeId,
          requestHash: sha('the customer asks'),
          subjectKey: listedByA.subjectKey,
          uploader: 'BankAMSP',
        });
        await follower.waitFor(opened.blockNumber, 60_000);
        const mine = await listDisputes(db.pool, 'BankBMSP', { disputer: 'BankBMSP', statuses: [] }, 10, 0);
        expect(mine.items).toEqual([
          expect.objectContaining({ disputeId, uploader: 'BankAMSP', status: 'AWAITING_ANSWER' }),
        ]);
      } finally {
        await follower?.stop();
        await db.close();
      }
    });
  });

  return () => backend;
}
