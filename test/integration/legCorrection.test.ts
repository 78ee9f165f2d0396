import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyIndex } from '../../application/src/indexer/verify';
import { paymentLegs } from '../support/legs';
import { startTestNode } from '../support/node';
import { callApi, Sessions } from '../support/sessions';
import { testDatabaseKinds } from '../support/testDatabase';

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Resolutions that reconcile (issue 21 item 3): "correct the leg" is done by posting the corrected leg, a
 * correction entry naming the leg it corrects, from the break screen by the reconciler who proposed it. The
 * break cannot be resolved by saying so; once the corrected leg is in, the legs agree, the break resolves as
 * CORRECT_LEG, and the node's books (extract, statement comparison, queue) take the correction.
 */
describe.each(testDatabaseKinds())('correcting a leg through the member API (%s index)', (database) => {
  let bankB: Node;
  const sessions = new Sessions();
  const p = paymentLegs({ valueDate: '2026-10-05' });
  const wrong = { ...p.credit, amountMinor: '1234500' }; // Bank B booked CNY 12,345.00, not 12,345.67
  const corrected = { ...p.credit, legId: `${p.credit.legId}.c1`, corrects: p.credit.legId };
  let breakId = '';

  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const { status, text } = await callApi(bankB.url, sessions.token(who), method, `/v1${path}`, {
      json: body,
    });
    return { status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    bankB = await startTestNode('BankBMSP', { database });
    for (const who of ['bankb-system', 'bruno', 'bella']) await sessions.login(bankB.url, who);
    const c = bankB.consortium;
    await c.gateway.postLegs(await c.identity('banka-system'), [p.debit]);
    await c.gateway.postLegs(await c.identity('clearing-system'), [p.entry]);
    expect((await call('bankb-system', 'POST', '/legs', wrong)).status).toBe(201);
    const theCase = await c.gateway.getCase(await c.identity('alice'), p.caseId);
    breakId = theCase.breaks[0]?.breakId ?? '';
    expect(theCase.status).toBe('BROKEN');
  }, 180_000);
  afterAll(async () => {
    await bankB.stop();
  });

  it('walks the break to an agreed correction; resolving it by word alone is refused', async () => {
    const ref = { reference: p.reference };
    expect((await call('bruno', 'POST', `/breaks/${breakId}/assign`, { assignee: 'bruno' })).status).toBe(
      200,
    );
    const propose = await call('bruno', 'POST', `/breaks/${breakId}/propose`, {
      kind: 'CORRECT_LEG',
      rootCause: 'DATA_ENTRY',
      comment: 'our core booked 12,345.00; the payment was 12,345.67',
      ...ref,
    });
    expect(propose.status).toBe(200);
    expect((await call('bella', 'POST', `/breaks/${breakId}/approve`, {})).status).toBe(200);
    const c = bankB.consortium;
    await c.gateway.decideBreak(await c.identity('alice'), breakId, 'ACCEPT', ref);
    await c.gateway.decideBreak(await c.identity('chen'), breakId, 'ACCEPT', ref);
    const resolve = await call('bruno', 'POST', `/breaks/${breakId}/resolve`, {
      comment: 'corrected',
      ...ref,
    });
    expect(resolve.status).toBe(409);
    expect(resolve.json().code).toBe('INVALID_TRANSITION');
    expect(resolve.text).toContain('posts the corrected leg');
  });

  it('a reconciler posts the corrected leg; the break resolves as CORRECT_LEG and the legs agree', async () => {
    // a reconciler may post only a correction, never a new leg
    const fresh = await call('bruno', 'POST', '/legs', { ...p.credit, legId: `${p.credit.legId}.new` });
    expect(fresh.status).toBe(403);
    const bad = await call('bruno', 'POST', '/legs', { ...corrected, corrects: 'not-ours' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('not-ours');
    const posted = await call('bruno', 'POST', '/legs', corrected);
    expect(posted.status).toBe(201);
    expect(posted.text).toContain('MATCHED');
    const b = await call('bruno', 'GET', `/breaks/${breakId}`);
    expect(b.json()).toMatchObject({ status: 'RESOLVED', resolution: 'CORRECT_LEG' });
    const theCase = await call('bruno', 'GET', `/cases/${p.caseId}`);
    expect(theCase.json()).toMatchObject({ status: 'MATCHED' });
  });

  it('the books take the correction: the extract lists the corrected leg only, and verify finds nothing', async () => {
    const extract = await call('bruno', 'GET', '/statements/ledger?from=2026-10-05&to=2026-10-05');
    expect(extract.status).toBe(200);
    expect(extract.text).toContain(corrected.legId);
    expect(extract.text).toContain('12345.67');
    expect(extract.text).not.toContain('12345.00');
    const closed = await call('bruno', 'GET', '/queue?status=RESOLVED');
    const row = (closed.json().items as { breakId: string; amountMinor?: string }[]).find(
      (r) => r.breakId === breakId,
    );
    expect(row?.amountMinor).toBe('1234567');
    const c = bankB.consortium;
    const report = await verifyIndex({
      pool: bankB.db.pool,
      gateway: c.gateway,
      who: await c.identity('bruno'),
      institution: 'BankBMSP',
    });
    expect(report.differences).toEqual([]);
    expect(report.ownLegsChecked).toBeGreaterThanOrEqual(2);
  });
});
