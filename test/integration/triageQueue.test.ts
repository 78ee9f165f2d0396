import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LegInput } from '../../application/src/ledger/ledgerGateway';
import { paymentLegs, ROUTE, TWO_BANK_ROUTE } from '../support/legs';
import { startTestNode } from '../support/node';
import { callApi, login } from '../support/sessions';
import { testDatabaseKinds } from '../support/testDatabase';

// The triage queue through HTTP, on each kind of index database (PGlite; PostgreSQL too with DATABASE_URL): the
// own leg's amount, currency, value date and reference and the counterparties on every row, every sort paged by
// cursor in both orders, the filters, the CSV export, and a closed break found with its resolution.

interface Item {
  breakId: string;
  caseId: string;
  reason: string;
  status: string;
  resolution: string | null;
  openedAt: string;
  ageMs: number;
  serviceLevel: string;
  counterparties: string[];
  amountMinor: string | null;
  currency: string | null;
  valueDate: string | null;
  ownReference: string | null;
}

interface Page {
  items: Item[];
  nextCursor: string | null;
}

describe.each(testDatabaseKinds())('the triage queue (index on %s)', (database) => {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let token = '';
  // Ledger time: virtual on the embedded network, so a missing leg passes its service level at once.
  const start = Date.parse('2026-11-27T08:00:00Z');
  const at = (offsetMs: number) => ({ timestamp: new Date(start + offsetMs) });
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await callApi(node.url, token, method, path, { json: body });
    return { ...answer, page: answer.body as Page | undefined };
  };
  const all = async (query: string): Promise<Item[]> => {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const r = await call(
        'GET',
        `/v1/queue?limit=2&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(r.status, r.text).toBe(200);
      items.push(...(r.page?.items ?? []));
      cursor = r.page?.nextCursor ?? null;
    } while (cursor);
    return items;
  };
  const payments: { reference: string; caseId: string; amount: string; currency: string; date: string }[] =
    [];
  let lateCredit: LegInput | undefined;

  beforeAll(async () => {
    node = await startTestNode('BankBMSP', { database });
    const { consortium } = node;
    const bankA = await consortium.identity('banka-system');
    const bankB = await consortium.identity('bankb-system');
    const clearing = await consortium.identity('clearing-system');
    // Five amount breaks: Bank B's own leg differs in amount, currency and value date from one to the next.
    const own = [
      ['300', 'CNY', '2026-11-25'],
      ['12000', 'USD', '2026-11-26'],
      ['4500', 'CNY', '2026-11-27'],
      ['70', 'JPY', '2026-11-24'],
      ['99999', 'CNY', '2026-11-26'],
    ] as const;
    for (const [i, [amount, currency, date]] of own.entries()) {
      const route = i === 4 ? ROUTE : TWO_BANK_ROUTE;
      const p = paymentLegs({ route, valueDate: date, currency });
      await consortium.gateway.postLegs(bankA, [{ ...p.debit, amountMinor: '1' }], at(i));
      if (i === 4) await consortium.gateway.postLegs(clearing, [p.entry], at(i));
      const c = await consortium.gateway.postLegs(bankB, [{ ...p.credit, amountMinor: amount }], at(i));
      await node.indexer.waitFor({ txId: c.txId, blockNumber: c.blockNumber });
      payments.push({ reference: p.reference, caseId: p.caseId, amount, currency, date });
    }
    // Bank B's leg of a sixth payment is missing past its service level (60 s), then arrives: the break is
    // cleared and leaves the open queue, its row kept among the closed ones.
    const late = paymentLegs({ route: TWO_BANK_ROUTE, valueDate: '2026-11-23' });
    await consortium.gateway.postLegs(bankA, [late.debit], at(10));
    const flagged = await consortium.gateway.sweep(bankA, 1000, at(61_000));
    expect(flagged.result.flagged).toBe(1);
    await node.indexer.waitFor({ txId: flagged.txId, blockNumber: flagged.blockNumber });
    payments.push({ reference: late.reference, caseId: late.caseId, amount: '', currency: '', date: '' });
    lateCredit = late.credit;
    token = await login(node.url, 'bruno');
  }, 120_000);

  afterAll(async () => {
    await node.stop();
  });

  it("shows each break with its own leg's facts, the counterparties and a service level", async () => {
    const items = await all('sort=age');
    expect(items).toHaveLength(6);
    for (const [i, p] of payments.slice(0, 5).entries()) {
      const item = items.find((x) => x.caseId === p.caseId);
      expect(item, p.caseId).toMatchObject({
        reason: 'AMOUNT_MISMATCH',
        amountMinor: p.amount,
        currency: p.currency,
        valueDate: p.date,
        ownReference: p.reference,
        counterparties: i === 4 ? ['BankAMSP', 'ClearingHouseMSP'] : ['BankAMSP'],
        resolution: null,
      });
    }
    // Bank B's leg is the missing one: no facts of its own, and the break opened a day and more ago.
    const missing = items.find((x) => x.caseId === payments[5]?.caseId);
    expect(missing).toMatchObject({
      reason: 'MISSING_LEG',
      amountMinor: null,
      currency: null,
      valueDate: null,
      ownReference: null,
      counterparties: ['BankAMSP'],
      serviceLevel: 'BREACHED',
    });
    expect(missing?.ageMs).toBeGreaterThan(86_400_000);
  });

  it('sorts by amount, currency, value date, counterparty and reference, both ways, paging without gaps', async () => {
    const byAge = await all('sort=age');
    // What each sort orders by, as the server does: a missing fact first (ascending), then opened, then id.
    const keyOf: Record<string, (i: Item) => string> = {
      amount: (i) => (i.amountMinor ?? '').padStart(20, '0'),
      currency: (i) => i.currency ?? '',
      valueDate: (i) => i.valueDate ?? '',
      counterparty: (i) => i.counterparties.join(' '),
      reference: (i) => i.ownReference ?? '',
    };
    for (const [sort, key] of Object.entries(keyOf)) {
      for (const order of ['asc', 'desc'] as const) {
        const full = (i: Item) => [key(i), i.openedAt, i.breakId].join('\u0000'); // below every character
        const expected = [...byAge]
          .sort((a, b) => (full(a) < full(b) ? -1 : 1) * (order === 'desc' ? -1 : 1))
          .map((i) => i.breakId);
        expect(
          (await all(`sort=${sort}&order=${order}`)).map((i) => i.breakId),
          `${sort} ${order}`,
        ).toEqual(expected);
      }
    }
  });

  it('filters by currency, counterparty, value date and amount', async () => {
    const ids = async (query: string) => (await all(query)).map((i) => i.caseId).sort();
    const cases = (...n: number[]) => n.map((i) => payments[i]?.caseId).sort();
    expect(await ids('currency=CNY')).toEqual(cases(0, 2, 4));
    expect(await ids('counterparty=ClearingHouseMSP')).toEqual(cases(4));
    expect(await ids('counterparty=BankAMSP')).toEqual(cases(0, 1, 2, 3, 4, 5));
    expect(await ids('valueDateFrom=2026-11-26&valueDateTo=2026-11-27')).toEqual(cases(1, 2, 4));
    expect(await ids('currency=CNY&amountMinorMin=4500&amountMinorMax=99999')).toEqual(cases(2, 4));
    const bad = await call('GET', '/v1/queue?currency=cny&amountMinorMin=1.5');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/currency/);
    expect(bad.text).toMatch(/amountMinorMin/);
  });

  it('exports the view as CSV: every page, in its order, amounts in major units', async () => {
    const r = await call('POST', '/v1/queue/export', {
      currency: 'CNY',
      sort: 'amount',
      order: 'desc',
      limit: 1,
    });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toMatch(
      /attachment; filename="queue-BankBMSP-\d{4}-\d\d-\d\d\.csv"/,
    );
    const lines = r.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'break_id,case_id,reason,status,resolution,opened_at,updated_at,age_ms,service_level,assignee,counterparties,amount,currency,value_date,own_reference,root_cause,due_at,escalated',
    );
    const cells = lines.slice(1).map((l) => l.split(','));
    expect(cells.map((c) => [c[1], c[11], c[12], c[13], c[14]])).toEqual([
      [payments[4]?.caseId, '999.99', 'CNY', '2026-11-26', payments[4]?.reference],
      [payments[2]?.caseId, '45.00', 'CNY', '2026-11-27', payments[2]?.reference],
      [payments[0]?.caseId, '3.00', 'CNY', '2026-11-25', payments[0]?.reference],
    ]);
    expect(cells[0]?.[10]).toBe('BankAMSP ClearingHouseMSP');
    // A search travels in the body here too: the export of one payment by its reference.
    const one = await call('POST', '/v1/queue/export', { search: payments[3]?.reference });
    expect(one.text.trimEnd().split('\r\n').slice(1)).toHaveLength(1);
    expect(one.text).toContain(',70,JPY,');
  });

  it('finds a closed break with its resolution once the missing leg arrives', async () => {
    const late = payments[5];
    if (!late) throw new Error('no late payment');
    if (!lateCredit) throw new Error('no late leg');
    const { consortium } = node;
    const c = await consortium.gateway.postLegs(
      await consortium.identity('bankb-system'),
      [lateCredit],
      at(90_000),
    );
    await node.indexer.waitFor({ txId: c.txId, blockNumber: c.blockNumber });
    expect((await all('sort=age')).map((i) => i.caseId)).not.toContain(late.caseId);
    const closed = await all('status=RESOLVED');
    expect(closed).toEqual([
      expect.objectContaining({
        caseId: late.caseId,
        status: 'RESOLVED',
        resolution: 'CLEARED',
        amountMinor: '1234567',
        currency: 'CNY',
        valueDate: '2026-11-23',
        ownReference: late.reference,
        counterparties: ['BankAMSP'],
      }),
    ]);
    // From opening to clearing: about 28 s of ledger time, within the service level.
    expect(closed[0]?.serviceLevel).toBe('WITHIN');
    const found = await call('POST', '/v1/queue/search', { status: 'RESOLVED', search: late.reference });
    expect(found.page?.items.map((i) => i.resolution)).toEqual(['CLEARED']);
    const exported = await call('POST', '/v1/queue/export', { status: 'RESOLVED' });
    expect(exported.text).toContain(',RESOLVED,CLEARED,');
  });
});
