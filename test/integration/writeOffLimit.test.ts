import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../support/legs';
import { startTestNode } from '../support/node';
import { callApi, Sessions } from '../support/sessions';
import { testDatabaseKinds } from '../support/testDatabase';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Write-offs within a limit per person (issue 21 item 3): an approver approves a write-off only up to the limit
 * their certificate states for its currency, on the amount the chaincode reckons from the case's legs. Through
 * the member API the node supplies the payment reference it holds, so an approval needs no pasting.
 */
describe.each(testDatabaseKinds())('write-off approvals through the member API (%s index)', (database) => {
  let bankA: Node;
  const sessions = new Sessions();
  const p = paymentLegs();
  let breakId = '';

  const call = async (who: string, path: string, body: unknown) => {
    const r = await callApi(bankA.url, sessions.token(who), 'POST', `/v1${path}`, { json: body });
    return { status: r.status, body: r.body as Record<string, unknown> };
  };

  beforeAll(async () => {
    bankA = await startTestNode('BankAMSP', { database });
    for (const who of ['banka-system', 'alice', 'anna', 'ava']) await sessions.login(bankA.url, who);
    // Bank A's leg timed out where the others settled: a status conflict, the whole amount at stake.
    expect((await call('banka-system', '/legs', { ...p.debit, outcome: 'TIMED_OUT' })).status).toBe(201);
    const c = bankA.consortium;
    await c.gateway.postLegs(await c.identity('clearing-system'), [p.entry]);
    const last = await c.gateway.postLegs(await c.identity('bankb-system'), [p.credit]);
    await bankA.indexer.waitFor(last);
    breakId = (await c.gateway.getCase(await c.identity('alice'), p.caseId)).breaks[0]?.breakId ?? '';
    expect((await call('alice', `/breaks/${breakId}/assign`, { assignee: 'alice' })).status).toBe(200);
    const proposed = await call('alice', `/breaks/${breakId}/propose`, {
      kind: 'WRITE_OFF',
      rootCause: 'COUNTERPARTY',
      comment: 'the customer was refunded outside the network',
    });
    expect(proposed.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await bankA.stop();
  });

  it('refuses an approver whose limit is below the amount, with the limit and the amount', async () => {
    const r = await call('anna', `/breaks/${breakId}/approve`, {});
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('LIMIT_EXCEEDED');
    expect(JSON.stringify(r.body)).toContain('writes off 1234567');
  });

  it('takes the approval of an approver whose limit covers it (the node supplies the reference)', async () => {
    const r = await call('ava', `/breaks/${breakId}/approve`, { comment: 'within my authority' });
    expect(r.status).toBe(200);
    expect((r.body.result as { status: string }).status).toBe('APPROVED');
  });
});
