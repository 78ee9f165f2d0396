import { createHash } from 'node:crypto';

import { expect } from 'vitest';

import { addDays } from '../../chaincode/src/core/receivables/calendar';

/** The everyRoute test's caller: a node's URL, then method, URL and options; the answer checked against the document. */
export type ApiCall = (
  base: string,
  method: string,
  url: string,
  options?: { token?: string; body?: unknown },
) => Promise<{ status: number; body: unknown; text: string }>;

const CORE = { enterpriseId: '91310000MA1K000006', kind: 'ENTERPRISE', mspId: 'BankAMSP' } as const;
const TIER1 = { enterpriseId: '91440300MA5F000007', kind: 'ENTERPRISE', mspId: 'BankBMSP' } as const;
const TIER2 = { enterpriseId: '91110000100000000R', kind: 'ENTERPRISE', mspId: 'BankAMSP' } as const;
const DAY_MS = 86_400_000;

/**
 * Every /v1/receivables operation through running nodes (everyRoute.test.ts): a trade, a token issued under
 * four eyes and accepted, a split and transfer, an offer withdrawn and another financed, a payment at maturity
 * (the nodes' receivables clock moved on) and the sweep; then the problems a caller meets, with their codes.
 */
export async function callEveryReceivablesRoute(
  api: ApiCall,
  nodes: { readonly bankA: string; readonly bankB: string },
  login: (mspId: string, enrollmentId: string) => Promise<string>,
  ledger: { readonly today: string; advance(ms: number): void },
): Promise<void> {
  const { bankA: A, bankB: B } = nodes;
  const [coreFinance, coreApprover, tier2Finance] = [
    await login('BankAMSP', 'core-finance'),
    await login('BankAMSP', 'core-approver'),
    await login('BankAMSP', 'tier2-finance'),
  ];
  const [tier1Finance, tier1Approver, financier] = [
    await login('BankBMSP', 'tier1-finance'),
    await login('BankBMSP', 'tier1-approver'),
    await login('BankBMSP', 'bankb-financier'),
  ];
  const h = (s: string) => createHash('sha256').update(`every-route ${s}`).digest('hex');
  const trade = (n: number, buyer: object, seller: object, amountMinor: string) => ({
    tradeId: `ER-T${String(n)}`,
    buyer,
    seller,
    contractHash: h(`contract ${String(n)}`),
    invoiceHash: h(`invoice ${String(n)}`),
    deliveryNoteHash: h(`delivery ${String(n)}`),
    invoiceCode: '1100000000',
    invoiceNumber: `0000000${String(n)}`,
    amountMinor,
    currency: 'CNY',
    dueDate: addDays(ledger.today, 30),
  });
  const ok = async (base: string, method: string, url: string, token: string, body?: unknown) => {
    const r = await api(base, method, url, { token, ...(body === undefined ? {} : { body }) });
    expect(r.status, `${method} ${url}: ${r.text}`).toBeLessThan(300);
    return r.body as { result?: Record<string, unknown> } & Record<string, unknown>;
  };

  const t1 = trade(1, CORE, TIER1, '1000000');
  await ok(A, 'POST', '/v1/receivables/trades', coreFinance, t1);
  await ok(B, 'POST', '/v1/receivables/trades/ER-T1/confirm', tier1Approver);
  await ok(A, 'GET', '/v1/receivables/trades/ER-T1', coreFinance);
  const maturityDate = addDays(ledger.today, 90);
  await ok(A, 'POST', '/v1/receivables/tokens', coreFinance, {
    tokenId: 'ER-K1',
    tradeId: 'ER-T1',
    amountMinor: '1000000',
    currency: 'CNY',
    maturityDate,
    undertaking: 'pay at maturity',
  });
  await ok(A, 'POST', '/v1/receivables/tokens/ER-K1/sign', coreApprover);
  await ok(B, 'POST', '/v1/receivables/tokens/ER-K1/answer', tier1Finance, { decision: 'ACCEPT' });
  await ok(A, 'GET', '/v1/receivables/tokens/ER-K1', coreFinance);
  await ok(B, 'POST', '/v1/receivables/trades', tier1Finance, trade(2, TIER1, TIER2, '600000'));
  await ok(A, 'POST', '/v1/receivables/trades/ER-T2/confirm', tier2Finance);
  await ok(B, 'POST', '/v1/receivables/moves', tier1Finance, {
    moveId: 'ER-M1',
    partId: 'ER-K1/root',
    outputs: [
      { holder: TIER1, amountMinor: '400000' },
      { holder: TIER2, amountMinor: '600000', tradeId: 'ER-T2' },
    ],
  });
  await ok(B, 'POST', '/v1/receivables/moves/ER-M1/sign', tier1Approver);
  await ok(B, 'GET', '/v1/receivables/moves/ER-M1', tier1Finance);
  const part = '/v1/receivables/parts?partId=' + encodeURIComponent('ER-K1/ER-M1/1');
  await ok(A, 'GET', part, tier2Finance);
  const offer = { offerId: 'ER-O1', partId: 'ER-K1/ER-M1/1', bank: 'BankBMSP' };
  await ok(A, 'POST', '/v1/receivables/offers', tier2Finance, offer);
  await ok(A, 'POST', '/v1/receivables/offers/withdraw', tier2Finance, { partId: offer.partId });
  await ok(A, 'POST', '/v1/receivables/offers', tier2Finance, { ...offer, offerId: 'ER-O2' });
  const financed = await ok(B, 'POST', '/v1/receivables/financings', financier, {
    partId: offer.partId,
    offerId: 'ER-O2',
    decision: 'ACCEPT',
    terms: { rateBp: 350, dayCount: 'ACT/365F', feeMinor: '500' },
  });
  expect(financed.result).toMatchObject({ outcome: 'FINANCED', part: { status: 'FINANCED' } });
  await ok(A, 'GET', '/v1/receivables/financings?partId=' + encodeURIComponent(offer.partId), tier2Finance);
  // The node's index (Bank B's node has one): the person's lists and a token's tree.
  await ok(
    B,
    'GET',
    '/v1/receivables/records?kind=PART&mine=true&status=HELD,OFFERED&order=due',
    tier1Finance,
  );
  await ok(B, 'GET', '/v1/receivables/tree?tokenId=ER-K1', financier);
  expect(await ok(A, 'GET', '/v1/receivables/me', tier2Finance)).toEqual({
    enterpriseId: TIER2.enterpriseId,
    mspId: 'BankAMSP',
    party: `${TIER2.enterpriseId}@BankAMSP`,
    roles: ['enterprise-finance'],
  });

  ledger.advance(90 * DAY_MS);
  const paid = await ok(A, 'POST', '/v1/receivables/payments', coreFinance, {
    paymentId: 'ER-P1',
    partId: 'ER-K1/ER-M1/0',
    amountMinor: '400000',
    reference: 'ER-E2E-0001',
    payerAccount: 'CN-CORE-1',
    payeeAccount: 'CN-TIER1-1',
  });
  expect(paid.result).toMatchObject({ outcome: 'PAID' });
  await ok(B, 'GET', '/v1/receivables/payments/ER-P1', tier1Finance);
  ledger.advance(DAY_MS);
  const swept = await ok(A, 'POST', '/v1/receivables/sweep', coreFinance);
  expect(swept.result).toMatchObject({ overdue: ['ER-K1/ER-M1/1'] });

  // The policy, governed: Bank A's admin proposes, an approver of each bank approves; the second adopts it.
  const policy = (await ok(A, 'GET', '/v1/receivables/policy', coreFinance)) as {
    version: number;
    policy: Record<string, unknown>;
  };
  const proposal = { proposalId: 'ER-RP1', policy: { ...policy.policy, feeBpMax: 60 } };
  const proposed = await ok(
    A,
    'POST',
    '/v1/receivables/policy/proposals',
    await login('BankAMSP', 'banka-admin'),
    proposal,
  );
  expect(proposed.result).toMatchObject({ outcome: 'PROPOSED', status: 'OPEN' });
  await ok(A, 'POST', '/v1/receivables/policy/proposals/ER-RP1/approve', await login('BankAMSP', 'anna'));
  const adopted = await ok(
    B,
    'POST',
    '/v1/receivables/policy/proposals/ER-RP1/approve',
    await login('BankBMSP', 'bella'),
  );
  expect(adopted.result).toMatchObject({ outcome: 'ADOPTED', version: { version: policy.version + 1 } });
  const proposals = (await ok(B, 'GET', '/v1/receivables/policy/proposals', tier1Finance)) as unknown as {
    proposalId: string;
    status: string;
  }[];
  expect(proposals.map((p) => [p.proposalId, p.status])).toEqual([['ER-RP1', 'ADOPTED']]);
  await ok(B, 'GET', `/v1/receivables/policy?version=${String(policy.version)}`, tier1Finance);

  const problems = [
    await api(A, 'POST', '/v1/receivables/trades', {
      token: coreFinance,
      body: { ...t1, amountMinor: 1000000 },
    }),
    await api(A, 'GET', '/v1/receivables/trades/ER-nothing', { token: coreFinance }),
    await api(A, 'POST', '/v1/receivables/trades', { token: coreApprover, body: trade(3, CORE, TIER1, '1') }),
    await api(A, 'POST', '/v1/receivables/trades', {
      token: coreFinance,
      body: { ...trade(4, CORE, TIER1, '1'), invoiceHash: t1.invoiceHash },
    }),
    // Trade 2 is between tier 1 and tier 2: the core enterprise is no party to it.
    await api(A, 'GET', '/v1/receivables/trades/ER-T2', { token: coreFinance }),
    // An enterprise's finance proposes no policy.
    await api(A, 'POST', '/v1/receivables/policy/proposals', {
      token: coreFinance,
      body: { ...proposal, proposalId: 'ER-RP2' },
    }),
  ];
  expect(problems.map((r) => [r.status, (r.body as { code: string }).code])).toEqual([
    [400, 'VALIDATION_FAILED'],
    [404, 'TRADE_NOT_FOUND'],
    [403, 'ROLE_REQUIRED'],
    [409, 'INVOICE_ALREADY_USED'],
    [403, 'NOT_A_PARTY'],
    [403, 'ROLE_REQUIRED'],
  ]);
}
