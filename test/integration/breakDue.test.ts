import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { paymentLegs } from '../support/legs';
import { startTestNode } from '../support/node';
import { callApi, Sessions } from '../support/sessions';
import { testDatabaseKinds } from '../support/testDatabase';

type Node = Awaited<ReturnType<typeof startTestNode>>;

interface Item {
  breakId: string;
  rootCause: string | null;
  dueAt: string | null;
  escalated: boolean;
  openedAt: string;
}

/**
 * Root causes and due dates in the node's index (issue 21 item 3): the queue shows each break's root cause and
 * due date and filters by them; a break past its due date by the ledger's time (the newest transaction the
 * index holds, not the node's clock) is escalated, in the queue, its export and the dashboard.
 */
describe.each(testDatabaseKinds())('root causes and due dates in the queue (%s index)', (database) => {
  let bankA: Node;
  const sessions = new Sessions();
  const p = paymentLegs();
  let breakId = '';

  const api = async (who: string, method: string, path: string, body?: unknown) => {
    const r = await callApi(bankA.url, sessions.token(who), method, `/v1${path}`, {
      ...(body === undefined ? {} : { json: body }),
    });
    return { status: r.status, body: r.body as Record<string, unknown>, text: r.text };
  };
  const queue = async (query = '') =>
    ((await api('alice', 'GET', `/queue${query}`)).body as { items: Item[] }).items;
  const settle = async (committed: { body: Record<string, unknown> }) => {
    const c = committed.body as { txId: string; blockNumber: string };
    await bankA.indexer.waitFor({ txId: c.txId, blockNumber: BigInt(c.blockNumber) });
  };

  beforeAll(async () => {
    bankA = await startTestNode('BankAMSP', { database });
    for (const who of ['alice', 'anna']) await sessions.login(bankA.url, who);
    const c = bankA.consortium;
    await c.gateway.postLegs(await c.identity('banka-system'), [{ ...p.debit, amountMinor: '999' }]);
    await c.gateway.postLegs(await c.identity('clearing-system'), [p.entry]);
    const last = await c.gateway.postLegs(await c.identity('bankb-system'), [p.credit]);
    await bankA.indexer.waitFor(last);
    breakId = (await c.gateway.getCase(await c.identity('alice'), p.caseId)).breaks[0]?.breakId ?? '';
  }, 180_000);
  afterAll(async () => {
    await bankA.stop();
  });

  it('shows the due date a day after opening, not escalated yet, and no root cause before a proposal', async () => {
    const item = (await queue()).find((b) => b.breakId === breakId);
    expect(item).toMatchObject({ rootCause: null, escalated: false });
    expect(Date.parse(item?.dueAt ?? '') - Date.parse(item?.openedAt ?? '')).toBe(86_400_000);
  });

  it('filters by the proposal’s root cause', async () => {
    await settle(await api('alice', 'POST', `/breaks/${breakId}/assign`, { assignee: 'alice' }));
    await settle(
      await api('alice', 'POST', `/breaks/${breakId}/propose`, {
        kind: 'WRITE_OFF',
        rootCause: 'FEE',
        comment: 'a correspondent fee',
      }),
    );
    expect((await queue('?rootCause=FEE')).map((b) => b.breakId)).toContain(breakId);
    expect((await queue('?rootCause=TIMING')).map((b) => b.breakId)).not.toContain(breakId);
  });

  it('escalates a break past its due date by the ledger’s time, in the queue, its export and the dashboard', async () => {
    const before = (await queue()).find((b) => b.breakId === breakId);
    expect((await queue('?escalated=true')).map((b) => b.breakId)).not.toContain(breakId);
    // The approver moves the due date to just after the opening: the ledger's time is past it at once.
    const dueAt = new Date(Date.parse(before?.openedAt ?? '') + 1).toISOString();
    const moved = await api('anna', 'POST', `/breaks/${breakId}/due`, {
      dueAt,
      comment: 'overdue: chase it',
    });
    expect(moved.status).toBe(200);
    await settle(moved);
    const item = (await queue('?escalated=true')).find((b) => b.breakId === breakId);
    expect(item).toMatchObject({ dueAt, escalated: true, rootCause: 'FEE' });
    expect((await queue('?escalated=false')).map((b) => b.breakId)).not.toContain(breakId);
    const csv = await api('alice', 'POST', '/queue/export', { escalated: true });
    const [header, row] = csv.text.split('\r\n');
    expect(header).toMatch(/,root_cause,due_at,escalated$/);
    expect(row).toContain(`${breakId},`);
    expect(row).toMatch(new RegExp(`,FEE,${dueAt.replace(/\./g, '\\.')},yes$`));
    const dashboard = (await api('alice', 'GET', '/dashboard')).body as {
      serviceLevel: { escalated: string };
    };
    expect(dashboard.serviceLevel.escalated).toBe('1');
  });
});
