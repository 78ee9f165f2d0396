import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LedgerRejected, type Identity } from '../../application/src/ledger/ledgerGateway';
import type { ContractCall, TransportGateway } from '../../application/src/ledger/transportGateway';
import {
  ReceivablesGateway,
  type EnterpriseRef,
  type TradeInput,
} from '../../application/src/receivables/receivablesGateway';
import {
  RECEIVABLES_OPERATIONS,
  type ReceivablesOperation,
} from '../../chaincode/src/core/receivables/access';
import { addDays } from '../../chaincode/src/core/receivables/calendar';
import { canonicalJson } from '../../chaincode/src/ledger/codec';
import { startBackend, type Backend } from '../support/backend';
import { CORE, TIER1 } from './receivablesSuite';

/**
 * The access matrix through the contract on the embedded network: every operation × every person of
 * network/consortium.json that could try it, asked of the chaincode (evaluated, so one set of records serves
 * every cell). The party each operation is about is the core enterprise E (91310000MA1K000006, a client of Bank
 * A), or Bank B for the bank's answer to an offer. Who is who:
 *
 * - core-finance, core-approver: E's own people (finance; approver)
 * - tier2-finance, tier2-approver: another enterprise, client of the same bank
 * - core-lookalike: E's code in a certificate of another bank's CA (finance)
 * - tier1-finance, tier1-approver: another enterprise of another bank (the holder of E's token in READ)
 * - banka-financier, bankb-financier: the banks' staff; audrey: an auditor; alice: Bank A, no receivables role
 *
 * The allowed cells are written out by hand, not derived from RECEIVABLES_ACCESS.
 */
const PEOPLE = [
  'core-finance',
  'core-approver',
  'tier2-finance',
  'tier2-approver',
  'core-lookalike',
  'tier1-finance',
  'tier1-approver',
  'banka-financier',
  'bankb-financier',
  'audrey',
  'alice',
] as const;
type Person = (typeof PEOPLE)[number];

const ALLOWED: Record<ReceivablesOperation, readonly Person[]> = {
  REGISTER_TRADE: ['core-finance'],
  CONFIRM_TRADE: ['core-finance', 'core-approver'],
  PROPOSE_ISSUE: ['core-finance'],
  SIGN_ISSUE: ['core-approver'],
  ANSWER_ISSUE: ['core-finance', 'core-approver'],
  PROPOSE_MOVE: ['core-finance'],
  SIGN_MOVE: ['core-approver'],
  OFFER_FINANCING: ['core-finance'],
  WITHDRAW_OFFER: ['core-finance', 'core-approver'],
  ANSWER_FINANCING: ['bankb-financier'],
  RECORD_PAYMENT: ['core-finance'],
  SWEEP_OVERDUE: PEOPLE.filter((p) => p !== 'alice'),
  READ: ['core-finance', 'core-approver', 'tier1-finance', 'tier1-approver', 'audrey'],
};

/**
 * The people without a role, by the role they lack (written out by hand from network/consortium.json, not from
 * RECEIVABLES_ACCESS): whoever lacks every role an operation takes is refused ROLE_REQUIRED (any other refusal:
 * NOT_A_PARTY / NOT_HOLDER).
 */
const NO_FINANCE: readonly Person[] = [
  'core-approver',
  'tier2-approver',
  'tier1-approver',
  'banka-financier',
  'bankb-financier',
  'audrey',
  'alice',
];
const NO_APPROVER: readonly Person[] = [
  'core-finance',
  'tier2-finance',
  'core-lookalike',
  'tier1-finance',
  'banka-financier',
  'bankb-financier',
  'audrey',
  'alice',
];
/** Neither enterprise role (finance nor approver). */
const NO_ENTERPRISE_ROLE: readonly Person[] = ['banka-financier', 'bankb-financier', 'audrey', 'alice'];
const NO_FINANCIER: readonly Person[] = PEOPLE.filter((p) => !p.endsWith('-financier'));

const WITHOUT_ROLE: Record<ReceivablesOperation, readonly Person[]> = {
  REGISTER_TRADE: NO_FINANCE,
  CONFIRM_TRADE: NO_ENTERPRISE_ROLE,
  PROPOSE_ISSUE: NO_FINANCE,
  SIGN_ISSUE: NO_APPROVER,
  ANSWER_ISSUE: NO_ENTERPRISE_ROLE,
  PROPOSE_MOVE: NO_FINANCE,
  SIGN_MOVE: NO_APPROVER,
  OFFER_FINANCING: NO_FINANCE,
  WITHDRAW_OFFER: NO_ENTERPRISE_ROLE,
  ANSWER_FINANCING: NO_FINANCIER,
  RECORD_PAYMENT: NO_FINANCE,
  SWEEP_OVERDUE: ['alice'],
  READ: ['alice'],
};

const HOLDER_OPERATIONS: readonly ReceivablesOperation[] = [
  'PROPOSE_MOVE',
  'SIGN_MOVE',
  'OFFER_FINANCING',
  'WITHDRAW_OFFER',
];
const ACCESS_CODES = ['ROLE_REQUIRED', 'NOT_A_PARTY', 'NOT_HOLDER'];

describe('receivables access matrix through the contract (embedded network)', () => {
  let backend: Backend;
  let transport: TransportGateway;
  const who = {} as Record<Person | 'tier1-finance' | 'tier1-approver', Identity>;
  const calls = {} as Record<ReceivablesOperation, ContractCall>;
  const today = '2030-01-01';
  let serial = 0;
  const c = (name: string, args: string[] = [], transient: Record<string, unknown> = {}): ContractCall => ({
    args,
    fcn: `receivables:${name}`,
    transient: Object.fromEntries(Object.entries(transient).map(([k, v]) => [k, canonicalJson(v)])),
  });
  const trade = (buyer: EnterpriseRef, seller: EnterpriseRef): TradeInput => {
    serial += 1;
    const h = (s: string) => createHash('sha256').update(`access ${serial} ${s}`).digest('hex');
    return {
      amountMinor: '1000000',
      buyer,
      contractHash: h('contract'),
      currency: 'CNY',
      deliveryNoteHash: h('delivery'),
      dueDate: addDays(today, 30),
      invoiceCode: '',
      invoiceHash: h('invoice'),
      invoiceNumber: `7${String(serial).padStart(19, '0')}`,
      seller,
      tradeId: `AT-${serial}`,
    };
  };
  const issueOf = (t: TradeInput, tokenId: string) => ({
    amountMinor: t.amountMinor,
    currency: 'CNY',
    maturityDate: addDays(today, 60),
    tokenId,
    tradeId: t.tradeId,
    undertaking: 'pay at maturity',
  });

  beforeAll(async () => {
    backend = await startBackend();
    if (!backend.embedded) throw new Error('the embedded backend');
    transport = backend.embedded.gateway;
    const rcv = new ReceivablesGateway(transport);
    for (const p of PEOPLE) who[p] = await backend.identity(p);
    const clock = backend.clock();
    const at = () => clock.at();
    const id = (p: Person) => who[p];

    // CONFIRM_TRADE: a trade whose seller is E.
    const toE = trade(TIER1, CORE);
    await rcv.registerTrade(id('tier1-finance'), toE, at());
    // REGISTER_TRADE / PROPOSE_ISSUE: a trade E buys under, confirmed.
    const fromE = trade(CORE, TIER1);
    await rcv.registerTrade(id('core-finance'), fromE, at());
    await rcv.confirmTrade(id('tier1-finance'), fromE.tradeId, at());
    // SIGN_ISSUE: E's proposal.
    const proposed = trade(CORE, TIER1);
    await rcv.registerTrade(id('core-finance'), proposed, at());
    await rcv.confirmTrade(id('tier1-finance'), proposed.tradeId, at());
    await rcv.proposeIssue(id('core-finance'), issueOf(proposed, 'AK-proposed'), at());
    // ANSWER_ISSUE: a token issued to E (by tier 1), and two accepted ones whose root parts E holds.
    const paying: string[] = [];
    for (const tokenId of ['AK-to-E', 'AK-held', 'AK-offered']) {
      const t = trade(TIER1, CORE);
      await rcv.registerTrade(id('tier1-finance'), t, at());
      await rcv.confirmTrade(id('core-finance'), t.tradeId, at());
      await rcv.proposeIssue(id('tier1-finance'), issueOf(t, tokenId), at());
      await rcv.signIssue(id('tier1-approver'), tokenId, at());
      if (tokenId !== 'AK-to-E')
        await rcv.answerIssue(id('core-finance'), tokenId, { decision: 'ACCEPT' }, at());
      paying.push(tokenId);
    }
    // SIGN_MOVE: E's proposal to split its part; OFFER_FINANCING on the same part; WITHDRAW/ANSWER on the other.
    const split = {
      moveId: 'AM-split',
      outputs: [
        { amountMinor: '500000', holder: CORE },
        { amountMinor: '500000', holder: CORE },
      ],
      partId: 'AK-held/root',
    };
    await rcv.proposeMove(id('core-finance'), split, at());
    await rcv.offerFinancing(
      id('core-finance'),
      { bank: 'BankBMSP', offerId: 'AO-1', partId: 'AK-offered/root' },
      at(),
    );
    // RECORD_PAYMENT and READ: a token E issued, held by tier 1.
    const byE = trade(CORE, TIER1);
    await rcv.registerTrade(id('core-finance'), byE, at());
    await rcv.confirmTrade(id('tier1-finance'), byE.tradeId, at());
    await rcv.proposeIssue(id('core-finance'), issueOf(byE, 'AK-by-E'), at());
    await rcv.signIssue(id('core-approver'), 'AK-by-E', at());
    await rcv.answerIssue(id('tier1-finance'), 'AK-by-E', { decision: 'ACCEPT' }, at());

    Object.assign(calls, {
      REGISTER_TRADE: c('registerTrade', [], { trade: trade(CORE, TIER1) }),
      CONFIRM_TRADE: c('confirmTrade', [toE.tradeId]),
      PROPOSE_ISSUE: c('proposeIssue', [], { issue: issueOf(fromE, 'AK-new') }),
      SIGN_ISSUE: c('signIssue', ['AK-proposed']),
      ANSWER_ISSUE: c('answerIssue', ['AK-to-E', 'ACCEPT', '']),
      PROPOSE_MOVE: c('proposeMove', [], { move: { ...split, moveId: 'AM-other' } }),
      SIGN_MOVE: c('signMove', ['AM-split']),
      OFFER_FINANCING: c('offerFinancing', [], {
        offer: { bank: 'BankBMSP', offerId: 'AO-2', partId: 'AK-held/root' },
      }),
      WITHDRAW_OFFER: c('withdrawOffer', ['AK-offered/root']),
      ANSWER_FINANCING: c('answerFinancing', [], {
        answer: {
          decision: 'ACCEPT',
          offerId: 'AO-1',
          partId: 'AK-offered/root',
          terms: { dayCount: 'ACT/365F', feeMinor: '0', rateBp: 300 },
        },
      }),
      RECORD_PAYMENT: c('recordPayment', [], {
        payment: {
          amountMinor: '1000',
          partId: 'AK-by-E/root',
          payeeAccount: 'CN-T1',
          payerAccount: 'CN-E',
          paymentId: 'AP-1',
          reference: 'E2E-ACCESS-1',
        },
      }),
      SWEEP_OVERDUE: c('sweepOverdue'),
      READ: c('getToken', ['AK-by-E']),
    } satisfies Record<ReceivablesOperation, ContractCall>);
  });
  afterAll(async () => {
    await backend.stop();
  });

  it.each(RECEIVABLES_OPERATIONS.map((op) => [op]))(
    '%s: the hand-written cells, each asked of the chaincode',
    async (op) => {
      const outcome: Record<string, string> = {};
      for (const person of PEOPLE) {
        try {
          await transport.evaluateCall(who[person], calls[op]);
          outcome[person] = 'allowed';
        } catch (e) {
          if (!(e instanceof LedgerRejected)) throw e;
          // A refusal for another reason (not yet at maturity, say) came after the access check passed.
          outcome[person] = ACCESS_CODES.includes(e.code) ? e.code : 'allowed';
        }
      }
      const expected = Object.fromEntries(
        PEOPLE.map((p) => [
          p,
          ALLOWED[op].includes(p)
            ? 'allowed'
            : WITHOUT_ROLE[op].includes(p)
              ? 'ROLE_REQUIRED'
              : HOLDER_OPERATIONS.includes(op)
                ? 'NOT_HOLDER'
                : 'NOT_A_PARTY',
        ]),
      );
      expect(outcome).toEqual(expected);
    },
  );
});
