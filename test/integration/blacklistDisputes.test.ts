import { createHash } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { BlacklistGateway } from '../../application/src/ledger/blacklistGateway';
import {
  blacklistNodes,
  moneyMuleEntry,
  replayFromBlockZero,
  type BlacklistNode,
} from '../support/blacklistNodes';

type Node = BlacklistNode;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The disputes inbox (issue 19 items 6 and 9): each node projects the disputes of the blocks it receives, and
 * `GET /v1/blacklist/disputes` lists a box: against our entries, opened by us, in a members' vote. Bank B disputes
 * Bank A's entry; Bank A finds it in its inbox and maintains it; Bank B contests; PayCo (a third member) and Bank B
 * vote, and the majority revokes. Runs on PGlite, and on PostgreSQL with DATABASE_URL.
 */
describe('blacklist disputes inbox', () => {
  const nodes = blacklistNodes({
    people: { BankAMSP: ['banka-admin', 'alice', 'anna'], BankBMSP: ['bankb-admin', 'bruno', 'bella'] },
    alertsOnBankA: true,
    alertsOnBankB: true,
  });
  const { call } = nodes;
  let bankA: Node;
  let bankB: Node;
  beforeAll(async () => {
    bankA = nodes.bankA();
    bankB = nodes.bankB();
    // A third member, so that a vote needs two of three.
    await new BlacklistGateway(bankA.consortium.gateway).join(await bankA.consortium.identity('payco-admin'));
  });
  /** Both nodes' followers have read every block there is. */
  const settled = async () => {
    const last = bankA.consortium.network.height() - 1n;
    await Promise.all([bankA.alerts?.waitFor(last), bankB.alerts?.waitFor(last)]);
  };
  const box = async (node: Node, who: string, query: string) => {
    const r = await call(node, who, 'GET', `/blacklist/disputes?${query}`);
    expect(r.status, r.text).toBe(200);
    return r.body as { total: number; items: Record<string, unknown>[] };
  };
  const step = async (node: Node, who: string, disputeId: string, body: Record<string, unknown>) => {
    const r = await call(node, who, 'POST', `/blacklist/disputes/${disputeId}/steps`, body);
    expect(r.status, r.text).toBe(200);
    return r;
  };

  let subjectKey = '';
  const disputeId = 'd-inbox-1';

  it('lists a new dispute in the uploader’s inbox and the disputer’s box, with the deadline in ledger days', async () => {
    const listed = await call(
      bankA,
      'alice',
      'POST',
      '/blacklist/entries',
      moneyMuleEntry('139 1234 5678', 'reported by two victims'),
    );
    expect(listed.status, listed.text).toBe(201);
    subjectKey = (listed.body.result as { subjectKey: string }[])[0]?.subjectKey ?? '';
    expect(subjectKey).toMatch(/^[0-9a-f]{64}$/);
    const opened = await call(bankB, 'bruno', 'POST', '/blacklist/disputes', {
      disputeId,
      subjectKey,
      uploader: 'BankAMSP',
      category: 'MONEY_MULE',
      requestHash: sha('signed request'),
    });
    expect(opened.status, opened.text).toBe(201);
    await settled();

    const inbox = await box(bankA, 'alice', 'box=against-us');
    expect(inbox.total).toBe(1);
    const ledger = await call(bankA, 'alice', 'GET', `/blacklist/disputes/${disputeId}`);
    const record = ledger.body as { deadline: string; txId: string };
    expect(inbox.items[0]).toEqual({
      disputeId,
      subjectKey,
      uploader: 'BankAMSP',
      category: 'MONEY_MULE',
      disputer: 'BankBMSP',
      status: 'AWAITING_ANSWER',
      deadline: record.deadline,
      inVote: false,
      openedTxId: opened.body.txId,
      openedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      lastTxId: opened.body.txId,
      changedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    expect(record.deadline).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect((await box(bankB, 'bruno', 'box=opened-by-us')).items.map((d) => d.disputeId)).toEqual([
      disputeId,
    ]);
    // The other boxes: Bank A opened nothing, Bank B's entries are not disputed, nothing is in a vote.
    expect((await box(bankA, 'alice', 'box=opened-by-us')).total).toBe(0);
    expect((await box(bankB, 'bruno', 'box=against-us')).total).toBe(0);
    expect((await box(bankA, 'anna', 'box=to-vote')).total).toBe(0);
    expect((await box(bankA, 'alice', 'box=against-us&status=OPEN')).total).toBe(1);
    expect((await box(bankA, 'alice', 'box=against-us&status=REVOKED')).total).toBe(0);
  });

  it('follows the steps: maintained, contested into a vote, revoked by the members’ majority', async () => {
    await step(bankA, 'alice', disputeId, { action: 'MAINTAIN', evidenceHash: sha('the evidence') });
    await settled();
    expect((await box(bankB, 'bruno', 'box=opened-by-us')).items[0]).toMatchObject({
      status: 'MAINTAINED',
      inVote: false,
    });
    await step(bankB, 'bruno', disputeId, { action: 'CONTEST' });
    await settled();
    for (const [node, who] of [
      [bankA, 'anna'],
      [bankB, 'bella'],
    ] as const)
      expect((await box(node, who, 'box=to-vote&status=VOTING')).items).toMatchObject([
        { disputeId, status: 'VOTING', inVote: true, deadline: expect.stringMatching(/^\d{4}-/) as unknown },
      ]);

    await new BlacklistGateway(bankA.consortium.gateway).disputeStep(
      await bankA.consortium.identity('petra'),
      disputeId,
      'VOTE',
      'REVOKE',
    );
    await step(bankB, 'bella', disputeId, { action: 'VOTE', vote: 'REVOKE' });
    await settled();
    const decided = await box(bankA, 'alice', 'box=against-us');
    expect(decided.items[0]).toMatchObject({ status: 'REVOKED', deadline: null, inVote: true });
    expect((await box(bankA, 'alice', 'box=against-us&status=OPEN')).total).toBe(0);
    // Decided, it stays in the vote box (without the open filter).
    expect((await box(bankB, 'bella', 'box=to-vote')).items).toMatchObject([{ status: 'REVOKED' }]);
    expect((await box(bankB, 'bella', 'box=to-vote&status=VOTING')).total).toBe(0);
  });

  it('needs a reconciler or an approver, and a known box', async () => {
    const admin = await call(bankA, 'banka-admin', 'GET', '/blacklist/disputes?box=against-us');
    expect([admin.status, admin.body.code]).toEqual([403, 'FORBIDDEN']);
    const nobox = await call(bankA, 'alice', 'GET', '/blacklist/disputes');
    expect(nobox.status).toBe(400);
    const bad = await call(bankA, 'alice', 'GET', '/blacklist/disputes?box=all');
    expect(bad.status).toBe(400);
  });

  it('writes every dispute once across a replay of the blocks from block 0', async () => {
    const before = await bankA.db.pool.query('SELECT * FROM blacklist_disputes ORDER BY dispute_id');
    await replayFromBlockZero(bankA, 'BankAMSP', async () => {
      const after = await bankA.db.pool.query('SELECT * FROM blacklist_disputes ORDER BY dispute_id');
      expect(after.rows).toEqual(before.rows);
      expect(after.rows).toHaveLength(1);
    });
  });
});
