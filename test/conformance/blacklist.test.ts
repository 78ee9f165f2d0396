import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { BlacklistGateway } from '../../application/src/ledger/blacklistGateway';
import { changesOf } from '../../application/src/ledger/embeddedLedger';
import { LedgerRejected, type ChangeNotice } from '../../application/src/ledger/ledgerGateway';
import {
  BLACKLIST_CHANGES_EVENT,
  decodeBlacklistChanges,
  type BlacklistChanges,
} from '../../chaincode/src/ledger/blacklistEvents';
import { defineBlacklistSuite } from './blacklistSuite';

// The suite body lives in blacklistSuite.ts so that the live-Fabric file runs the very same tests.
const backend = defineBlacklistSuite();

describe('blacklist events on the embedded network', () => {
  it('each blacklist transaction that changed something emits one tallystick.blacklist event of public facts; the reconciliation change stream reads none of them', async () => {
    const embedded = backend().embedded;
    if (!embedded) throw new Error('the embedded backend');
    const events: (BlacklistChanges & { creator: string })[] = [];
    const reconciliation: ChangeNotice[] = [];
    const height = embedded.network.height();
    await new Promise<void>((resolve) => {
      const off = embedded.network.onBlock(
        (block) => {
          reconciliation.push(...changesOf(block));
          for (const tx of block.transactions)
            if (tx.validationCode === 'VALID' && tx.event?.name === BLACKLIST_CHANGES_EVENT)
              events.push({ ...decodeBlacklistChanges(tx.event.payload), creator: tx.creatorMspId });
          if (block.number + 1n >= height) {
            off();
            resolve();
          }
        },
        { startBlock: 0n },
      );
    });
    expect(reconciliation).toEqual([]);

    expect(events.filter((e) => e.members.length > 0).map((e) => e.members)).toEqual([
      ['BankAMSP'],
      ['BankBMSP'],
      ['PayCoMSP'],
    ]);
    // The suite's first uploads and queries, in order (the access matrix adds more after them).
    const uploads = events.filter((e) => e.entries.length > 0).slice(0, 4);
    expect(uploads.map((e) => [e.creator, e.entries.map((x) => x.category)])).toEqual([
      ['BankAMSP', ['MONEY_MULE']],
      ['BankBMSP', ['CONFIRMED_FRAUD', 'MONEY_MULE']],
      ['PayCoMSP', ['MONEY_MULE']],
      ['BankAMSP', [expect.stringMatching(/^RUN_/) as string]],
    ]);
    for (const e of uploads)
      for (const x of e.entries)
        expect(x).toMatchObject({ keyVersion: 1, status: 'ACTIVE', uploader: e.creator });
    const queries = events.flatMap((e) => e.queries).slice(0, 3);
    expect(queries.map((q) => [q.querier, q.purpose, q.hits])).toEqual([
      ['BankAMSP', 'ACCOUNT_OPENING', 3],
      ['BankBMSP', 'FRAUD_INVESTIGATION', 1],
      ['BankBMSP', 'SUBJECT_REPORT', 3],
    ]);
    // The policy step adopts version 2; the metering step adopts 3 (no allowance) and 4 (the allowance back).
    expect(events.filter((e) => e.policyVersion !== null).map((e) => e.policyVersion)).toEqual([2, 3, 4]);
    // The re-upload that changed nothing emitted nothing; no event carries evidence.
    expect(JSON.stringify(events)).not.toContain('victims');
  });
});

describe('dispute deadlines in ledger time (the embedded network takes the transaction timestamp from the test)', () => {
  it('an unanswered dispute goes to a vote once its answer period is over; after the vote period, CLOSE decides by the votes cast', async () => {
    const b = backend();
    const embedded = b.embedded;
    if (!embedded) throw new Error('the embedded backend');
    const bl = new BlacklistGateway(embedded.gateway);
    const id = (name: string) => b.identity(name);
    const { answerDays, voteDays } = (await bl.policy(await id('alice'))).policy.disputes;
    const DAY = 86_400_000;
    // Far enough ahead of the suite's transactions that every day below is later than all of them.
    const t0 = Date.UTC(2090, 0, 10, 12);
    const at = (days: number) => ({ timestamp: new Date(t0 + days * DAY) });
    const subject = { keyVersion: 1, subjectKey: randomBytes(32).toString('hex') };
    await bl.upload(
      await id('bankb-system'),
      {
        category: 'MONEY_MULE',
        evidence: { salt: randomBytes(16).toString('hex'), summary: 'deadline test' },
        indicators: ['MULE_PATTERN', 'POLICE_REPORT'],
        severity: 'HIGH',
        subject,
      },
      at(0),
    );
    const disputeId = `deadline-${randomBytes(4).toString('hex')}`;
    await bl.openDispute(
      await id('pavel'),
      {
        category: 'MONEY_MULE',
        disputeId,
        requestHash: 'a'.repeat(64),
        subjectKey: subject.subjectKey,
        uploader: 'BankBMSP',
      },
      at(0),
    );
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'OK',
        (e: unknown) => (e instanceof LedgerRejected ? e.code : String(e)),
      );
    // The last day of the answer period is still inside it.
    expect(await code(bl.disputeStep(await id('alice'), disputeId, 'CLOSE', '', at(answerDays)))).toBe(
      'DEADLINE_NOT_REACHED',
    );
    expect(
      await code(
        bl.disputeStep(await id('bruno'), disputeId, 'MAINTAIN', 'c'.repeat(64), at(answerDays + 1)),
      ),
    ).toBe('DEADLINE_PASSED');
    const voting = await bl.disputeStep(await id('alice'), disputeId, 'CLOSE', '', at(answerDays + 1));
    expect(voting.result.dispute).toMatchObject({ status: 'VOTING', votingReason: 'UNANSWERED' });
    const lastVoteDay = answerDays + 1 + voteDays;
    await bl.disputeStep(await id('petra'), disputeId, 'VOTE', 'REVOKE', at(lastVoteDay));
    expect(
      await code(bl.disputeStep(await id('anna'), disputeId, 'VOTE', 'UPHOLD', at(lastVoteDay + 1))),
    ).toBe('DEADLINE_PASSED');
    expect(await code(bl.disputeStep(await id('alice'), disputeId, 'CLOSE', '', at(lastVoteDay)))).toBe(
      'DEADLINE_NOT_REACHED',
    );
    const closed = await bl.disputeStep(await id('alice'), disputeId, 'CLOSE', '', at(lastVoteDay + 1));
    expect(closed.result.dispute.status).toBe('REVOKED');
    // Revoked by Bank A's transaction: Bank B's evidence is due for purging, and Bank B is held until it purges.
    expect(
      await code(
        bl.query(
          await id('bruno'),
          { purpose: 'FRAUD_INVESTIGATION', subjects: [subject] },
          at(lastVoteDay + 1),
        ),
      ),
    ).toBe('EVIDENCE_PURGE_DUE');
    const purged = await bl.purgeEvidence(await id('bankb-system'), at(lastVoteDay + 1));
    expect(purged.result.map((p) => p.subjectKey)).toEqual([subject.subjectKey]);
    expect(await code(bl.ownEvidence(await id('bankb-system'), subject.subjectKey, 'MONEY_MULE'))).toBe(
      'ENTRY_NOT_FOUND',
    );
    // Bank B's allowance pays for the revocation until the entry's expiry day.
    const allowance = await bl.allowance(await id('audrey'), 'BankBMSP');
    expect(allowance.revoked).toBeGreaterThanOrEqual(1);
  });
});
