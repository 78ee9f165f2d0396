import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import { parseLeg } from '../leg';
import { usccCheckCharacter } from '../subject';
import { addMonths } from './calendar';
import { decideFinancingAnswer, decideOffer, parseFinancingTerms } from './financing';
import { DEFAULT_RECEIVABLES_POLICY, validateReceivablesPolicy } from './limits';
import { decidePayment, parsePaymentInput, sweepOverdue } from './maturity';
import type { EnterpriseParty, ReceivablesActor, ReceivablesRole } from './parties';
import {
  branchOf,
  branchParties,
  decideMoveProposal,
  decideMoveSigning,
  parseMoveInput,
  requireMovable,
  tokenBalance,
  type PartRecord,
} from './part';
import {
  checkTerm,
  decideIssueAnswer,
  decideIssueProposal,
  decideIssueSigning,
  parseIssueInput,
  type TokenRecord,
} from './token';
import {
  decideTradeConfirmation,
  decideTradeRegistration,
  parseTradeInput,
  type MutationMeta,
  type TradeRecord,
} from './trade';

const uscc = (first17: string): string => first17 + usccCheckCharacter(first17);
const CORE: EnterpriseParty = {
  enterpriseId: uscc('91350100M000100Y4'),
  kind: 'ENTERPRISE',
  mspId: 'BankAMSP',
};
const TIER1: EnterpriseParty = {
  enterpriseId: uscc('91110000100000000'),
  kind: 'ENTERPRISE',
  mspId: 'BankBMSP',
};
const TIER2: EnterpriseParty = {
  enterpriseId: uscc('91440300MA5ABCDE1'),
  kind: 'ENTERPRISE',
  mspId: 'BankBMSP',
};

function person(
  party: EnterpriseParty,
  role: ReceivablesRole,
  name = `${role}-${party.enterpriseId}`,
): ReceivablesActor {
  return {
    enterpriseId: party.enterpriseId,
    id: `x509::CN=${name}`,
    mspId: party.mspId,
    name,
    roles: [role],
  };
}
const financier = (mspId: string): ReceivablesActor => ({
  enterpriseId: null,
  id: `x509::CN=fin-${mspId}`,
  mspId,
  name: `fin-${mspId}`,
  roles: ['financier'],
});

let tx = 0;
const meta = (actor: ReceivablesActor, day: string, inputHash = `h-${++tx}`): MutationMeta => ({
  actor,
  at: `${day}T09:00:00.000Z`,
  inputHash,
  txId: `tx-${++tx}`,
});

const hex = (c: string): string => c.repeat(64);
const tradeRaw = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  amountMinor: '100000000',
  buyer: CORE,
  contractHash: hex('a'),
  currency: 'CNY',
  deliveryNoteHash: hex('b'),
  dueDate: '2030-09-30',
  invoiceCode: '3500194130',
  invoiceHash: hex('c'),
  invoiceNumber: '00012345',
  seller: TIER1,
  tradeId: 't-1',
  ...over,
});

const NONE = { byCodeAndNumber: undefined, byHash: undefined };
const DAY = '2030-01-10';

function confirmedTrade(over: Record<string, unknown> = {}, day = DAY): TradeRecord {
  const input = parseTradeInput(tradeRaw(over));
  const reg = decideTradeRegistration(
    undefined,
    input,
    NONE,
    meta(person(input.buyer, 'enterprise-finance'), day),
  );
  return decideTradeConfirmation(reg.trade, meta(person(input.seller, 'enterprise-finance'), day)).trade;
}

const issueRaw = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  amountMinor: '100000000',
  currency: 'CNY',
  maturityDate: '2030-06-30',
  tokenId: 'tok-1',
  tradeId: 't-1',
  undertaking: 'CORE irrevocably undertakes to pay the holder at maturity.',
  ...over,
});

/** A token accepted by TIER1, and its root part. */
function issued(maturityDate = '2030-06-30'): { token: TokenRecord; trade: TradeRecord; root: PartRecord } {
  const trade = confirmedTrade();
  const proposed = decideIssueProposal(
    undefined,
    parseIssueInput(issueRaw({ maturityDate })),
    trade,
    meta(person(CORE, 'enterprise-finance'), DAY),
  ).token;
  const signed = decideIssueSigning(proposed, trade, meta(person(CORE, 'enterprise-approver'), DAY));
  const answer = decideIssueAnswer(
    signed.token,
    signed.trade,
    'ACCEPT',
    null,
    meta(person(TIER1, 'enterprise-finance'), DAY),
  );
  if (answer.outcome !== 'ACCEPTED') throw new Error('accepted');
  return { root: answer.root, token: answer.token, trade: answer.trade };
}

const POLICY = validateReceivablesPolicy(DEFAULT_RECEIVABLES_POLICY);

describe('trades', () => {
  it('are read and registered by the buyer, confirmed by the seller', () => {
    const input = parseTradeInput(
      tradeRaw({ buyer: { ...CORE, enterpriseId: CORE.enterpriseId.toLowerCase() } }),
    );
    expect(input.buyer.enterpriseId).toBe(CORE.enterpriseId);
    expect(input.amountMinor).toBe(100_000_000n);
    const reg = decideTradeRegistration(
      undefined,
      input,
      NONE,
      meta(person(CORE, 'enterprise-finance'), DAY, 'h'),
    );
    expect(reg.outcome).toBe('REGISTERED');
    if (reg.outcome !== 'REGISTERED') return;
    expect(reg.claims).toEqual({ codeAndNumber: '3500194130/00012345', hash: hex('c') });
    expect(reg.trade.status).toBe('REGISTERED');
    const again = decideTradeRegistration(
      reg.trade,
      input,
      NONE,
      meta(person(CORE, 'enterprise-finance'), DAY, 'h'),
    );
    expect(again.outcome).toBe('UNCHANGED');
    expect(
      refusal(() =>
        decideTradeRegistration(
          reg.trade,
          input,
          NONE,
          meta(person(CORE, 'enterprise-finance'), DAY, 'other'),
        ),
      ).code,
    ).toBe('IDEMPOTENCY_CONFLICT');
    const confirmed = decideTradeConfirmation(reg.trade, meta(person(TIER1, 'enterprise-approver'), DAY));
    expect(confirmed.trade.status).toBe('CONFIRMED');
    expect(
      decideTradeConfirmation(confirmed.trade, meta(person(TIER1, 'enterprise-approver'), DAY)).outcome,
    ).toBe('UNCHANGED');
  });

  it('check who acts before anything else, a replay of the same input included', () => {
    const input = parseTradeInput(tradeRaw());
    const by = (p: EnterpriseParty, role: ReceivablesRole = 'enterprise-finance') =>
      meta(person(p, role), DAY, 'h');
    expect(refusal(() => decideTradeRegistration(undefined, input, NONE, by(TIER1))).code).toBe(
      'NOT_A_PARTY',
    );
    const reg = decideTradeRegistration(undefined, input, NONE, by(CORE));
    expect(refusal(() => decideTradeRegistration(reg.trade, input, NONE, by(TIER2))).code).toBe(
      'NOT_A_PARTY',
    );
    expect(
      refusal(() => decideTradeRegistration(reg.trade, input, NONE, by(CORE, 'enterprise-approver'))).code,
    ).toBe('ROLE_REQUIRED');
    expect(refusal(() => decideTradeConfirmation(reg.trade, by(CORE, 'enterprise-approver'))).code).toBe(
      'NOT_A_PARTY',
    );
  });

  it('take a fully digital invoice: no code, a 20-digit number', () => {
    const input = parseTradeInput(tradeRaw({ invoiceCode: '', invoiceNumber: '24322000000012345678' }));
    expect(input.invoiceCode).toBe('');
  });

  it('name an invoice once, ever: by hash or by code and number', () => {
    const input = parseTradeInput(tradeRaw());
    const m = meta(person(CORE, 'enterprise-finance'), DAY);
    const byHash = refusal(() => decideTradeRegistration(undefined, input, { ...NONE, byHash: 't-0' }, m));
    expect(byHash).toEqual({
      code: 'INVOICE_ALREADY_USED',
      detail: expect.stringContaining('trade t-0') as string,
    });
    const byNumber = refusal(() =>
      decideTradeRegistration(undefined, input, { ...NONE, byCodeAndNumber: 't-0' }, m),
    );
    expect(byNumber.code).toBe('INVOICE_ALREADY_USED');
    expect(byNumber.detail).toContain('3500194130 00012345');
  });

  it.each([
    [{ contractHash: 'ABC' }, 'contractHash must be a SHA-256 hash'],
    [{ invoiceCode: '123' }, 'invoiceCode must be 10 or 12 digits'],
    [{ invoiceNumber: '1234567' }, 'must be 8 digits'],
    [{ invoiceCode: '', invoiceNumber: '00012345' }, 'fully digital invoice (no code) must be 20 digits'],
    [{ amountMinor: 1000 }, 'not a JSON number'],
    [{ amountMinor: '0' }, 'greater than zero'],
    [{ currency: 'XXX' }, 'not an active ISO 4217'],
    [{ seller: CORE }, 'the buyer and the seller are the same enterprise'],
    [{ seller: { ...TIER1, enterpriseId: '91110000100000000X' } }, 'check character'],
    [{ dueDate: '2030-02-30' }, 'not a real date'],
    [{ price: '1' }, 'trade.price is not a field'],
  ])('refuse bad input %j', (over, message) => {
    expect(refusal(() => parseTradeInput(tradeRaw(over))).detail).toContain(message);
  });
});

describe('the term rule', () => {
  it.each([
    ['2030-01-10', '2030-07-10', false], // exactly 6 months: not flagged
    ['2030-01-10', '2030-07-11', true], // a day more: flagged, needs a reason
    ['2030-01-10', '2031-01-10', true], // exactly 12 months: the longest allowed
    ['2030-08-31', '2031-02-28', false], // 31 August + 6 months is 28 February
    ['2030-08-31', '2031-03-01', true],
    ['2028-02-29', '2029-02-28', true], // 29 February + 12 months is 28 February
  ])('issued %s maturing %s: flagged %s', (issue, maturity, flagged) => {
    expect(checkTerm(issue, maturity, 'seasonal stock').longTerm).toBe(flagged);
    if (flagged) expect(refusal(() => checkTerm(issue, maturity, null)).code).toBe('REASON_REQUIRED');
  });

  it.each([
    ['2030-01-10', '2031-01-11', 'TERM_TOO_LONG'],
    ['2028-02-29', '2029-03-01', 'TERM_TOO_LONG'],
    ['2030-01-10', '2030-01-10', 'INVALID_INPUT'],
    ['2030-01-10', '2029-12-31', 'INVALID_INPUT'],
  ])('issued %s maturing %s: %s', (issue, maturity, code) => {
    expect(refusal(() => checkTerm(issue, maturity, 'reason')).code).toBe(code);
  });

  it('calendar months end at the month’s last day', () => {
    expect(addMonths('2030-01-31', 1)).toBe('2030-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2030-11-15', 3)).toBe('2031-02-15');
  });
});

describe('issue under four eyes', () => {
  const finance = person(CORE, 'enterprise-finance', 'fiona');
  const approver = person(CORE, 'enterprise-approver', 'arthur');

  it('flags a long term and keeps its reason in the token', () => {
    const t = decideIssueProposal(
      undefined,
      parseIssueInput(issueRaw({ longTermReason: 'harvest cycle', maturityDate: '2030-10-10' })),
      confirmedTrade(),
      meta(finance, DAY),
    ).token;
    expect([t.longTerm, t.longTermReason]).toEqual([true, 'harvest cycle']);
  });

  it('refuses bad issues with clear codes', () => {
    const trade = confirmedTrade();
    const propose = (over: Record<string, unknown>, tr: TradeRecord = trade, actor = finance) =>
      refusal(() => decideIssueProposal(undefined, parseIssueInput(issueRaw(over)), tr, meta(actor, DAY)));
    expect(propose({ amountMinor: '100000001' })).toMatchObject({ code: 'AMOUNT_MISMATCH' });
    expect(propose({ currency: 'USD' }).code).toBe('AMOUNT_MISMATCH');
    expect(propose({ maturityDate: '2030-01-09' }).detail).toContain('must be after the issue day');
    expect(propose({ maturityDate: '2031-01-11' }).code).toBe('TERM_TOO_LONG');
    expect(propose({ maturityDate: '2030-12-31' }).code).toBe('REASON_REQUIRED');
    const unconfirmed = decideTradeRegistration(
      undefined,
      parseTradeInput(tradeRaw()),
      NONE,
      meta(finance, DAY),
    ).trade;
    expect(propose({}, unconfirmed).code).toBe('TRADE_NOT_CONFIRMED');
    expect(propose({}, trade, approver).code).toBe('ROLE_REQUIRED');
    expect(propose({}, trade, person(TIER1, 'enterprise-finance')).code).toBe('NOT_A_PARTY');
    expect(propose({ undertaking: '' }).detail).toContain('undertaking is required');
  });

  it('the proposer cannot sign; another approver does, once; the trade then backs the token', () => {
    const trade = confirmedTrade();
    const both: ReceivablesActor = { ...finance, roles: ['enterprise-finance', 'enterprise-approver'] };
    const t = decideIssueProposal(undefined, parseIssueInput(issueRaw()), trade, meta(both, DAY)).token;
    expect(refusal(() => decideIssueSigning(t, trade, meta(both, DAY))).code).toBe('SELF_APPROVAL');
    expect(refusal(() => decideIssueSigning(t, trade, meta(finance, DAY))).code).toBe('ROLE_REQUIRED');
    const signed = decideIssueSigning(t, trade, meta(approver, '2030-01-11'));
    expect([signed.token.status, signed.token.issuedOn, signed.trade.boundTo?.id]).toEqual([
      'SIGNED',
      '2030-01-11',
      'tok-1',
    ]);
    expect(decideIssueSigning(signed.token, signed.trade, meta(approver, DAY)).outcome).toBe('UNCHANGED');
    // A second token on the same trade, and so the same invoice, is refused.
    const other = decideIssueProposal(
      undefined,
      parseIssueInput(issueRaw({ tokenId: 'tok-2' })),
      trade,
      meta(finance, DAY),
    ).token;
    expect(refusal(() => decideIssueSigning(other, signed.trade, meta(approver, DAY))).code).toBe(
      'INVOICE_ALREADY_USED',
    );
  });

  it('the supplier declines (the trade is freed) or accepts (the root part is its)', () => {
    const trade = confirmedTrade();
    const t = decideIssueProposal(undefined, parseIssueInput(issueRaw()), trade, meta(finance, DAY)).token;
    const signed = decideIssueSigning(t, trade, meta(approver, DAY));
    expect(
      refusal(() => decideIssueAnswer(signed.token, signed.trade, 'ACCEPT', null, meta(finance, DAY))).code,
    ).toBe('NOT_A_PARTY');
    const declined = decideIssueAnswer(
      signed.token,
      signed.trade,
      'DECLINE',
      'wrong amount',
      meta(person(TIER1, 'enterprise-approver'), DAY),
    );
    expect([declined.outcome, declined.token.declineReason, declined.trade.boundTo]).toEqual([
      'DECLINED',
      'wrong amount',
      null,
    ]);
    expect(
      refusal(() =>
        decideIssueAnswer(
          declined.token,
          declined.trade,
          'ACCEPT',
          null,
          meta(person(TIER1, 'enterprise-finance'), DAY),
        ),
      ).code,
    ).toBe('ALREADY_DECIDED');
    const { root, token } = issued();
    expect(root).toMatchObject({
      amountMinor: 100_000_000n,
      holder: TIER1,
      parentId: null,
      partId: 'tok-1/root',
      status: 'HELD',
    });
    expect(token.status).toBe('ACCEPTED');
  });

  it('a token cannot be accepted on or after its maturity date', () => {
    const trade = confirmedTrade();
    const t = decideIssueProposal(
      undefined,
      parseIssueInput(issueRaw({ maturityDate: '2030-02-01' })),
      trade,
      meta(finance, DAY),
    ).token;
    const signed = decideIssueSigning(t, trade, meta(approver, DAY));
    expect(
      refusal(() =>
        decideIssueAnswer(
          signed.token,
          signed.trade,
          'ACCEPT',
          null,
          meta(person(TIER1, 'enterprise-finance'), '2030-02-01'),
        ),
      ).code,
    ).toBe('PART_MATURED');
  });
});

describe('split and transfer', () => {
  const finance1 = person(TIER1, 'enterprise-finance');
  const approver1 = person(TIER1, 'enterprise-approver');
  const subTrade = (): TradeRecord =>
    confirmedTrade({
      amountMinor: '40000000',
      buyer: TIER1,
      invoiceHash: hex('d'),
      invoiceNumber: '00054321',
      seller: TIER2,
      tradeId: 't-2',
    });
  const moveRaw = (outputs: unknown[], moveId = 'm-1', partId = 'tok-1/root') => ({
    moveId,
    outputs,
    partId,
  });
  const split = [
    { amountMinor: '60000000', holder: TIER1 },
    { amountMinor: '40000000', holder: TIER2, tradeId: 't-2' },
  ];

  it('spends the part once and creates outputs that add up to it, each pointing to it', () => {
    const { root, token } = issued();
    const trades = new Map([['t-2', subTrade()]]);
    const proposed = decideMoveProposal(
      undefined,
      parseMoveInput(moveRaw(split), POLICY),
      root,
      trades,
      POLICY,
      meta(finance1, DAY),
    ).move;
    const signed = decideMoveSigning(proposed, root, trades, POLICY, meta(approver1, DAY));
    if (signed.outcome !== 'SIGNED') throw new Error('signed');
    expect(signed.spent).toMatchObject({ spentBy: 'm-1', status: 'SPENT' });
    expect(signed.created.map((p) => [p.partId, p.parentId, p.holder, p.amountMinor, p.tradeId])).toEqual([
      ['tok-1/m-1/0', 'tok-1/root', TIER1, 60_000_000n, 't-1'],
      ['tok-1/m-1/1', 'tok-1/root', TIER2, 40_000_000n, 't-2'],
    ]);
    expect(signed.trades.map((t) => t.boundTo)).toEqual([
      { id: 'm-1', kind: 'MOVE', txId: expect.any(String) as string },
    ]);
    const parts = new Map([signed.spent, ...signed.created].map((p) => [p.partId, p]));
    expect(tokenBalance(token, parts.values())).toEqual({ outstandingMinor: 100_000_000n, paidMinor: 0n });
    const branch = branchOf('tok-1/m-1/1', parts);
    expect(branch.map((p) => p.partId)).toEqual(['tok-1/root', 'tok-1/m-1/1']);
    expect(branchParties(branch)).toEqual([CORE, TIER1, TIER2]);
    // Spent once: a second move of the root is refused, at proposal and at signing.
    const again = parseMoveInput(
      moveRaw([{ amountMinor: '100000000', holder: TIER2, tradeId: 't-2' }], 'm-2'),
      POLICY,
    );
    expect(
      refusal(() => decideMoveProposal(undefined, again, signed.spent, trades, POLICY, meta(finance1, DAY)))
        .code,
    ).toBe('PART_SPENT');
    expect(
      refusal(() =>
        decideMoveSigning(
          proposed,
          signed.spent,
          trades,
          POLICY,
          meta(person(TIER1, 'enterprise-approver', 'other'), DAY),
        ),
      ).code,
    ).toBe('PART_SPENT');
  });

  it('a financed or offered part is locked by its status, whoever asks', () => {
    // A financed part is held by its bank, which has no enterprise role, so the access table refuses first; the
    // status check holds the lock on its own as well.
    const { root } = issued();
    expect(
      refusal(() => {
        requireMovable({ ...root, status: 'FINANCED' }, DAY, 'move');
      }).code,
    ).toBe('PART_LOCKED');
    expect(
      refusal(() => {
        requireMovable({ ...root, status: 'OFFERED' }, DAY, 'move');
      }).code,
    ).toBe('PART_LOCKED');
    expect(
      refusal(() => {
        requireMovable({ ...root, status: 'SPENT' }, DAY, 'move');
      }).code,
    ).toBe('PART_SPENT');
    expect(
      refusal(() => {
        requireMovable({ ...root, status: 'OVERDUE' }, DAY, 'move');
      }).code,
    ).toBe('PART_MATURED');
    expect(
      refusal(() => {
        requireMovable(root, root.maturityDate, 'move');
      }).code,
    ).toBe('PART_MATURED');
    expect(() => {
      requireMovable(root, '2030-06-29', 'move');
    }).not.toThrow();
  });

  it('refuses moves that break a rule, each with its code', () => {
    const { root } = issued();
    const trades = new Map([['t-2', subTrade()]]);
    const propose = (outputs: unknown[], actor = finance1, part = root, day = DAY, policy = POLICY) =>
      refusal(() =>
        decideMoveProposal(
          undefined,
          parseMoveInput(moveRaw(outputs), policy),
          part,
          trades,
          policy,
          meta(actor, day),
        ),
      );
    expect(
      propose([
        { amountMinor: '60000000', holder: TIER1 },
        { amountMinor: '39999999', holder: TIER2, tradeId: 't-2' },
      ]),
    ).toEqual({
      code: 'AMOUNT_MISMATCH',
      detail: expect.stringContaining('add up to 99999999') as string,
    });
    expect(
      propose([
        { amountMinor: '99999999', holder: TIER1 },
        { amountMinor: '1', holder: TIER1 },
      ]).code,
    ).toBe('POLICY_VIOLATION');
    const many = Array.from({ length: 11 }, () => ({ amountMinor: '1000000', holder: TIER1 }));
    expect(propose(many).detail).toContain('at most 10 outputs');
    expect(propose([{ amountMinor: '100000000', holder: TIER1 }]).detail).toContain('changes nothing');
    expect(propose([{ amountMinor: '100000000', holder: TIER2 }]).detail).toContain('needs the trade');
    expect(
      propose([
        { amountMinor: '60000000', holder: TIER1 },
        { amountMinor: '40000000', holder: TIER2, tradeId: 't-9' },
      ]).code,
    ).toBe('TRADE_NOT_FOUND');
    expect(
      propose([
        { amountMinor: '50000000', holder: TIER1 },
        { amountMinor: '50000000', holder: TIER2, tradeId: 't-2' },
      ]).code,
    ).toBe('AMOUNT_MISMATCH');
    expect(propose(split, person(TIER2, 'enterprise-finance')).code).toBe('NOT_HOLDER');
    expect(propose(split, person(CORE, 'enterprise-finance')).code).toBe('NOT_HOLDER');
    expect(propose(split, approver1).code).toBe('ROLE_REQUIRED');
    expect(propose(split, finance1, root, '2030-06-30').code).toBe('PART_MATURED');
    expect(propose(split, finance1, { ...root, status: 'OFFERED' }).code).toBe('PART_LOCKED');
    // A trade whose buyer is not the holder cannot carry its part.
    const wrong = new Map([['t-2', { ...subTrade(), buyer: CORE }]]);
    expect(
      refusal(() =>
        decideMoveProposal(
          undefined,
          parseMoveInput(moveRaw(split), POLICY),
          root,
          wrong,
          POLICY,
          meta(finance1, DAY),
        ),
      ).code,
    ).toBe('NOT_A_PARTY');
    expect(
      refusal(() => parseMoveInput(moveRaw(split.map((o) => ({ ...o, amountMinor: 4 }))), POLICY)).code,
    ).toBe('INVALID_AMOUNT');
  });

  it('the proposer of a move cannot sign it', () => {
    const { root } = issued();
    const both: ReceivablesActor = { ...finance1, roles: ['enterprise-finance', 'enterprise-approver'] };
    const trades = new Map([['t-2', subTrade()]]);
    const m = decideMoveProposal(
      undefined,
      parseMoveInput(moveRaw(split), POLICY),
      root,
      trades,
      POLICY,
      meta(both, DAY),
    ).move;
    expect(refusal(() => decideMoveSigning(m, root, trades, POLICY, meta(both, DAY))).code).toBe(
      'SELF_APPROVAL',
    );
  });
});

describe('financing', () => {
  const finance1 = person(TIER1, 'enterprise-finance');
  const terms = parseFinancingTerms({ dayCount: 'ACT/360', feeMinor: '50000', rateBp: 350 });

  it('locks the offered part, passes it to the bank with the arithmetic and the registration record', () => {
    const { root, token, trade } = issued();
    const offered = decideOffer(
      root,
      { bank: 'BankCMSP', offerId: 'o-1', partId: root.partId },
      meta(finance1, DAY),
    ).part;
    expect(offered.status).toBe('OFFERED');
    expect(
      refusal(() =>
        decideMoveProposal(
          undefined,
          parseMoveInput(
            {
              moveId: 'm',
              outputs: [{ amountMinor: '100000000', holder: TIER2, tradeId: 't-2' }],
              partId: root.partId,
            },
            POLICY,
          ),
          offered,
          new Map(),
          POLICY,
          meta(finance1, DAY),
        ),
      ).code,
    ).toBe('PART_LOCKED');
    const context = { partTrade: trade, token, tokenTrade: trade };
    const answer = (actor: ReceivablesActor, t = terms) =>
      decideFinancingAnswer(
        offered,
        'o-1',
        { kind: 'ACCEPT', terms: t },
        context,
        POLICY,
        meta(actor, '2030-04-01'),
      );
    expect(refusal(() => answer(financier('BankBMSP'))).code).toBe('NOT_A_PARTY');
    expect(refusal(() => answer(person(TIER1, 'enterprise-approver'))).code).toBe('ROLE_REQUIRED');
    // Fee cap: 50 bp of 100 000 000 = 500 000.
    expect(refusal(() => answer(financier('BankCMSP'), { ...terms, feeMinor: 500_001n })).code).toBe(
      'POLICY_VIOLATION',
    );
    const financed = answer(financier('BankCMSP'));
    if (financed.outcome !== 'FINANCED') throw new Error('financed');
    // 1 April → 30 June 2030: 30 + 31 + 30 − 1 = 90 days; 100 000 000 × 350 × 90 / 3 600 000 = 875 000.
    expect(financed.financing).toMatchObject({
      days: 90,
      discountMinor: 875_000n,
      feeMinor: 50_000n,
      proceedsMinor: 99_075_000n,
      rounding: 'HALF_UP',
    });
    expect(financed.part).toMatchObject({ holder: { kind: 'BANK', mspId: 'BankCMSP' }, status: 'FINANCED' });
    expect(financed.registration).toMatchObject({
      assignee: { kind: 'BANK', mspId: 'BankCMSP' },
      assignor: TIER1,
      debtor: CORE,
      kind: 'RECEIVABLE_TRANSFER',
      originalTrade: { invoiceHash: hex('c'), invoiceNumber: '00012345', tradeId: 't-1' },
    });
    expect(
      refusal(() =>
        decideOffer(
          financed.part,
          { bank: 'BankBMSP', offerId: 'o-2', partId: root.partId },
          meta(finance1, DAY),
        ),
      ).code,
    ).toBe('NOT_HOLDER');
    // The financing bank's acceptance again changes nothing; another bank learns nothing of the part's state.
    const again = (actor: ReceivablesActor) =>
      decideFinancingAnswer(
        financed.part,
        'o-1',
        { kind: 'ACCEPT', terms },
        context,
        POLICY,
        meta(actor, '2030-04-02'),
      );
    expect(again(financier('BankCMSP')).outcome).toBe('UNCHANGED');
    expect(refusal(() => again(financier('BankBMSP'))).code).toBe('NOT_A_PARTY');
    expect(branchParties([financed.part])).toEqual([CORE, { kind: 'BANK', mspId: 'BankCMSP' }, TIER1]);
  });
});

describe('maturity', () => {
  const payer = person(CORE, 'enterprise-finance');
  const paymentRaw = (over: Record<string, unknown> = {}) => ({
    amountMinor: '30000000',
    partId: 'tok-1/root',
    payeeAccount: '6222020200012345678',
    payerAccount: '6222020200087654321',
    paymentId: 'pay-1',
    reference: 'RCV-TOK1-ROOT',
    ...over,
  });

  it('pays in parts, then in full, and says which legs the reconciliation ledger should see', () => {
    const { root, token } = issued();
    const first = decidePayment(
      undefined,
      root,
      parsePaymentInput(paymentRaw(), 'CNY'),
      meta(payer, '2030-06-30'),
    );
    expect([first.outcome, first.part.status, first.part.paidMinor]).toEqual([
      'PARTLY_PAID',
      'HELD',
      30_000_000n,
    ]);
    expect(first.payment.legs).toEqual([
      expect.objectContaining({
        legId: 'pay-1.debit',
        mspId: 'BankAMSP',
        role: 'DEBTOR_AGENT',
        amountMinor: 30_000_000n,
        valueDate: '2030-06-30',
      }),
      expect.objectContaining({
        legId: 'pay-1.credit',
        mspId: 'BankBMSP',
        role: 'CREDITOR_AGENT',
        reference: 'RCV-TOK1-ROOT',
      }),
    ]);
    expect(first.payment.legs[0].route).toEqual([
      { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
      { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
    ]);
    const pay2 = parsePaymentInput(paymentRaw({ amountMinor: '70000001', paymentId: 'pay-2' }), 'CNY');
    expect(refusal(() => decidePayment(undefined, first.part, pay2, meta(payer, '2030-07-01'))).code).toBe(
      'AMOUNT_MISMATCH',
    );
    const rest = decidePayment(
      undefined,
      first.part,
      { ...pay2, amountMinor: 70_000_000n },
      meta(payer, '2030-07-01'),
    );
    expect([rest.outcome, rest.part.status]).toEqual(['PAID', 'PAID']);
    expect(tokenBalance(token, [rest.part])).toEqual({ outstandingMinor: 0n, paidMinor: 100_000_000n });
  });

  it('its legs are legs the reconciliation ledger takes as they are (parseLeg, each by its own bank)', () => {
    const { root } = issued();
    const { payment } = decidePayment(
      undefined,
      root,
      parsePaymentInput(paymentRaw(), 'CNY'),
      meta(payer, '2030-07-03'),
    );
    for (const leg of payment.legs) {
      const posted = JSON.parse(JSON.stringify({ ...leg, amountMinor: String(leg.amountMinor) })) as unknown;
      expect(parseLeg(posted, leg.mspId)).toEqual(leg);
    }
  });

  it('refuses early, foreign and spent payments', () => {
    const { root } = issued();
    const input = parsePaymentInput(paymentRaw(), 'CNY');
    expect(refusal(() => decidePayment(undefined, root, input, meta(payer, '2030-06-29'))).detail).toContain(
      'not before',
    );
    expect(
      refusal(() =>
        decidePayment(undefined, root, input, meta(person(TIER1, 'enterprise-finance'), '2030-06-30')),
      ).code,
    ).toBe('NOT_A_PARTY');
    expect(
      refusal(() => decidePayment(undefined, { ...root, status: 'SPENT' }, input, meta(payer, '2030-06-30')))
        .code,
    ).toBe('PART_SPENT');
    expect(refusal(() => parsePaymentInput(paymentRaw({ currency: 'USD' }), 'CNY')).code).toBe(
      'AMOUNT_MISMATCH',
    );
    expect(refusal(() => parsePaymentInput(paymentRaw({ reference: 'NOTPROVIDED' }), 'CNY')).code).toBe(
      'INVALID_REFERENCE',
    );
  });

  it('the sweep marks unpaid parts overdue from the day after maturity, once', () => {
    const { root } = issued();
    const paid = { ...root, paidMinor: root.amountMinor, partId: 'p', status: 'PAID' as const };
    const partly = { ...root, paidMinor: 1n, partId: 'q' };
    expect(sweepOverdue([root, paid, partly], '2030-06-30')).toEqual([]);
    const swept = sweepOverdue([root, paid, partly], '2030-07-01');
    expect(swept.map((p) => [p.partId, p.status, p.overdueSince])).toEqual([
      ['tok-1/root', 'OVERDUE', '2030-07-01'],
      ['q', 'OVERDUE', '2030-07-01'],
    ]);
    expect(sweepOverdue(swept, '2030-07-02')).toEqual([]);
  });
});

describe('the policy', () => {
  it.each([
    ['outputsMax', { outputsMax: 1 }, 'outputsMax'],
    ['feeBpMax', { feeBpMax: -1 }, 'feeBpMax'],
    ['minPartMinor', { minPartMinor: { XYZ: 1n } }, 'XYZ'],
    ['minPartMinorDefault', { minPartMinorDefault: 0n }, 'minPartMinorDefault'],
  ])('refuses a policy with a bad %s', (_field, over, message) => {
    expect(
      refusal(() => validateReceivablesPolicy({ ...DEFAULT_RECEIVABLES_POLICY, ...over })).detail,
    ).toContain(message);
  });
});
