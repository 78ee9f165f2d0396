import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../support/legs';
import { startTestNode } from '../support/node';
import { callApi, Sessions } from '../support/sessions';
import { testDatabaseKinds } from '../support/testDatabase';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Opening a case without pasting its reference (issue 21 item 1): a node supplies the reference of a case its
 * institution posted a leg to, and of one a person of the institution opened once with it; otherwise it asks,
 * and asks the same for a case that does not exist, so the question is no oracle.
 */
describe.each(testDatabaseKinds())('POST /v1/cases/open without the reference (%s index)', (database) => {
  let bankA: Node;
  let bankB: Node;
  let payCo: Node;
  const sessions = new Sessions();
  const p = paymentLegs();

  const open = async (node: Node, who: string, body: unknown) => {
    const answer = await callApi(node.url, sessions.token(who), 'POST', '/v1/cases/open', { json: body });
    return { status: answer.status, body: answer.body as Record<string, unknown> };
  };

  beforeAll(async () => {
    bankA = await startTestNode('BankAMSP', { database });
    bankB = await startTestNode('BankBMSP', { database, consortium: bankA.consortium });
    payCo = await startTestNode('PayCoMSP', { database, consortium: bankA.consortium });
    await sessions.login(bankA.url, 'banka-system');
    await sessions.login(bankA.url, 'alice');
    await sessions.login(bankB.url, 'bruno');
    await sessions.login(payCo.url, 'pavel');
    // Bank A and the clearing house post; Bank B's leg, the credit, is the missing one.
    const res = await callApi(bankA.url, sessions.token('banka-system'), 'POST', '/v1/legs/batch', {
      json: { legs: [p.debit] },
    });
    expect(res.status).toBe(201);
    const clearing = await bankA.consortium.identity('clearing-system');
    const last = await bankA.consortium.gateway.postLegs(clearing, [p.entry]);
    await bankA.indexer.waitFor(last); // Bank A's own leg came in an earlier block
  }, 180_000);
  afterAll(async () => {
    await payCo.stop();
    await bankB.stop();
    await bankA.stop();
  });

  it('opens a case with one of the institution’s own legs by its id alone', async () => {
    const r = await open(bankA, 'alice', { caseId: p.caseId });
    expect(r.status).toBe(200);
    expect(r.body.reference).toBe(p.reference);
    expect((r.body.case as { caseId: string }).caseId).toBe(p.caseId);
    expect((r.body.legs as unknown[]).length).toBe(2);
  });

  it('asks a party that posted nothing for the reference once, then remembers it', async () => {
    const asked = await open(bankB, 'bruno', { caseId: p.caseId });
    expect(asked.status).toBe(422);
    expect(asked.body.code).toBe('REFERENCE_NEEDED');
    const pasted = await open(bankB, 'bruno', { caseId: p.caseId, reference: p.reference });
    expect(pasted.status).toBe(200);
    const again = await open(bankB, 'bruno', { caseId: p.caseId });
    expect(again.status).toBe(200);
    expect(again.body.reference).toBe(p.reference);
  });

  it('answers a non-party as it answers for a case that does not exist, and keeps nothing it was refused', async () => {
    const real = await open(payCo, 'pavel', { caseId: p.caseId });
    const none = await open(payCo, 'pavel', { caseId: randomBytes(32).toString('hex') });
    expect([real.status, real.body.code]).toEqual([422, 'REFERENCE_NEEDED']);
    expect([none.status, none.body.code]).toEqual([422, 'REFERENCE_NEEDED']);
    const refused = await open(payCo, 'pavel', { caseId: p.caseId, reference: p.reference });
    expect([refused.status, refused.body.code]).toEqual([404, 'CASE_NOT_FOUND']);
    expect((await open(payCo, 'pavel', { caseId: p.caseId })).status).toBe(422);
  });

  it('needs the case id or the reference', async () => {
    const r = await open(bankA, 'alice', {});
    expect([r.status, r.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
