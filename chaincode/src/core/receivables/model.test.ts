import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TallyError } from '../errors';
import { parseCurrency } from '../money';
import { parseReference } from '../reference';
import { usccCheckCharacter } from '../subject';
import { addDays, addMonths } from './calendar';
import { decideFinancingAnswer, decideOffer } from './financing';
import { DEFAULT_RECEIVABLES_POLICY, minPartMinorOf } from './limits';
import { decidePayment, sweepOverdue } from './maturity';
import { partyLabel, type EnterpriseParty, type ReceivablesActor } from './parties';
import {
  branchOf,
  decideMoveProposal,
  decideMoveSigning,
  rootPartIdOf,
  tokenBalance,
  type MoveOutputInput,
  type PartRecord,
} from './part';
import { decideIssueAnswer, decideIssueProposal, decideIssueSigning, type TokenRecord } from './token';
import {
  decideTradeConfirmation,
  decideTradeRegistration,
  invoiceNamesOf,
  parseTradeInput,
  type MutationMeta,
  type TradeRecord,
} from './trade';

/**
 * Random sequences of operations run twice: through the core, as the contract will run them (load, decide,
 * write), and through a plain model that knows only the rules as the issue states them. After every operation
 * both must agree on whether it was allowed, and the ledger must hold the invariants: conservation per token
 * (unspent parts plus paid equal issued), a part spent once, only its holder moves it, nothing moves after
 * maturity or while offered or financed, the term rules, no invoice behind two tokens or transfers.
 * fast-check prints the seed and the shrunk sequence of a failure, so it can be replayed.
 */

const uscc = (first17: string): string => first17 + usccCheckCharacter(first17);
const ENTERPRISES: readonly EnterpriseParty[] = [
  { enterpriseId: uscc('91350100M000100Y4'), kind: 'ENTERPRISE', mspId: 'BankAMSP' },
  { enterpriseId: uscc('91110000100000000'), kind: 'ENTERPRISE', mspId: 'BankBMSP' },
  { enterpriseId: uscc('91440300MA5ABCDE1'), kind: 'ENTERPRISE', mspId: 'BankBMSP' },
  { enterpriseId: uscc('91310000132200821'), kind: 'ENTERPRISE', mspId: 'BankAMSP' },
];
const BANKS = ['BankCMSP', 'BankDMSP'] as const;
const CNY = parseCurrency('CNY');
const POLICY = DEFAULT_RECEIVABLES_POLICY;
const MIN = minPartMinorOf(POLICY, 'CNY');

const at = (i: number, role: 'finance' | 'approver' | 'approver2'): ReceivablesActor => {
  const e = ENTERPRISES[i % ENTERPRISES.length] as EnterpriseParty;
  return {
    enterpriseId: e.enterpriseId,
    id: `x509::CN=${role}-${i}`,
    mspId: e.mspId,
    name: `${role}-${i}`,
    roles: [role === 'finance' ? 'enterprise-finance' : 'enterprise-approver'],
  };
};
const financierOf = (bank: string): ReceivablesActor => ({
  enterpriseId: null,
  id: `x509::CN=fin-${bank}`,
  mspId: bank,
  name: `fin-${bank}`,
  roles: ['financier'],
});

/** A pool of invoices small enough that reuse (by hash, by number, by both) happens in most runs. */
const INVOICES = Array.from({ length: 40 }, (_, i) => ({
  hash: i.toString(16).padStart(2, '0').repeat(32),
  number: String(10_000_000 + i),
}));
const AMOUNTS = [1_000_000n, 2_000_000n, 5_000_000n] as const;

type Op =
  | {
      readonly kind: 'trade';
      readonly buyer: number;
      readonly seller: number;
      readonly hash: number;
      readonly number: number;
      readonly amount: number;
      readonly confirm: boolean;
    }
  | {
      readonly kind: 'issue';
      readonly trade: number;
      readonly anyTrade: boolean;
      readonly eighths: number;
      readonly termDays: number;
      readonly reason: boolean;
      readonly selfSign: boolean;
      readonly decline: boolean;
    }
  | {
      readonly kind: 'move';
      readonly part: number;
      /** Pick among the parts the model holds movable (most of the time), or among all. */
      readonly live: boolean;
      readonly byHolder: boolean;
      readonly actor: number;
      readonly outputs: readonly { readonly to: number; readonly share: number; readonly trade: number }[];
      readonly delta: number;
    }
  | {
      readonly kind: 'finance';
      readonly part: number;
      readonly live: boolean;
      readonly byHolder: boolean;
      readonly actor: number;
      readonly bank: number;
      readonly answerBank: number;
      readonly rateBp: number;
      readonly accept: boolean;
    }
  | { readonly kind: 'pay'; readonly part: number; readonly byCore: boolean; readonly quarters: number }
  | { readonly kind: 'advance'; readonly days: number }
  | { readonly kind: 'sweep' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('trade' as const),
      buyer: fc.nat(3),
      seller: fc.nat(3),
      hash: fc.nat(39),
      number: fc.nat(39),
      amount: fc.nat(2),
      confirm: fc.integer({ min: 0, max: 4 }).map((i) => i !== 0),
    }),
  },
  fc.record({
    kind: fc.constant('issue' as const),
    trade: fc.nat(),
    anyTrade: fc.integer({ min: 0, max: 4 }).map((i) => i === 0),
    eighths: fc.integer({ min: 1, max: 9 }),
    termDays: fc.oneof(fc.integer({ min: 1, max: 180 }), fc.integer({ min: -2, max: 400 })),
    reason: fc.boolean(),
    selfSign: fc.integer({ min: 0, max: 4 }).map((i) => i === 0),
    decline: fc.integer({ min: 0, max: 4 }).map((i) => i === 0),
  }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      part: fc.nat(),
      live: fc.integer({ min: 0, max: 4 }).map((i) => i !== 0),
      byHolder: fc.integer({ min: 0, max: 4 }).map((i) => i !== 0),
      actor: fc.nat(3),
      outputs: fc.array(
        fc.record({ to: fc.nat(3), share: fc.integer({ min: 1, max: 5 }), trade: fc.nat() }),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      delta: fc.constantFrom(0, 0, 0, 0, 0, 1, -1),
    }),
  },
  fc.record({
    kind: fc.constant('finance' as const),
    part: fc.nat(),
    live: fc.integer({ min: 0, max: 4 }).map((i) => i !== 0),
    byHolder: fc.boolean(),
    actor: fc.nat(3),
    bank: fc.nat(1),
    answerBank: fc.nat(1),
    rateBp: fc.integer({ min: 0, max: 3600 }),
    accept: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('pay' as const),
    part: fc.nat(),
    byCore: fc.boolean(),
    quarters: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ kind: 'sweep' as const }),
);

// ---- The plain model: what the issue says, nothing more ----------------------------------------------------------

type ModelStatus = 'HELD' | 'OFFERED' | 'FINANCED' | 'SPENT' | 'PAID' | 'OVERDUE';
interface ModelPart {
  tokenId: string;
  /** The enterprise that issued the token (the buyer of its trade): it pays. */
  issuer: number;
  holder: string;
  amount: bigint;
  paid: bigint;
  status: ModelStatus;
  maturity: string;
  offeredTo: string | null;
}
interface ModelTrade {
  buyer: number;
  seller: number;
  amount: bigint;
  confirmed: boolean;
  used: boolean;
}

class Model {
  readonly trades = new Map<string, ModelTrade>();
  readonly claimedHashes = new Set<string>();
  readonly claimedNumbers = new Set<string>();
  readonly parts = new Map<string, ModelPart>();
  readonly issued = new Map<string, bigint>();
}

// ---- The ledger the core writes to, as the contract would ---------------------------------------------------------

class Ledger {
  readonly trades = new Map<string, TradeRecord>();
  readonly claims = new Map<string, string>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly parts = new Map<string, PartRecord>();
  /** Every move signed: the part it spent. */
  readonly spends: string[] = [];
}

/** Every (operation, refusal code) seen, so the test can say the runs reached each rule. */
const refusals = new Set<string>();
const stats = { issued: 0, moved: 0, financed: 0, paid: 0, overdue: 0, refused: 0 };

function run(ops: readonly Op[]): void {
  const model = new Model();
  const ledger = new Ledger();
  let day = '2030-01-01';
  let n = 0;
  const meta = (actor: ReceivablesActor): MutationMeta => ({
    actor,
    at: `${day}T10:00:00.000Z`,
    inputHash: `h${++n}`,
    txId: `tx${n}`,
  });
  const partIds = (live = false): string[] =>
    [...ledger.parts.keys()].filter((id) => !live || model.parts.get(id)?.status === 'HELD');
  const pick = <T>(xs: readonly T[], i: number): T | undefined =>
    xs.length === 0 ? undefined : xs[i % xs.length];

  /** Runs the core; a refusal must carry a code, anything else is a broken invariant. */
  const attempt = (f: () => void): string | null => {
    try {
      f();
      return null;
    } catch (e) {
      if (e instanceof TallyError) return e.code;
      throw e;
    }
  };
  const agree = (op: Op, expected: boolean, code: string | null): void => {
    if (expected !== (code === null))
      throw new Error(
        `model and core disagree on ${JSON.stringify(op)}: model ${expected ? 'allows' : 'refuses'}, core ${code ?? 'allows'}`,
      );
    if (code !== null) stats.refused++;
    if (code !== null) refusals.add(`${op.kind} ${code}`);
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'trade': {
        const id = `t${++n}`;
        const inv = {
          hash: (INVOICES[op.hash] as (typeof INVOICES)[number]).hash,
          number: (INVOICES[op.number] as (typeof INVOICES)[number]).number,
        };
        const amount = AMOUNTS[op.amount] as bigint;
        const ok =
          op.buyer !== op.seller &&
          !model.claimedHashes.has(inv.hash) &&
          !model.claimedNumbers.has(`1234567890/${inv.number}`);
        const buyer = ENTERPRISES[op.buyer] as EnterpriseParty;
        const seller = ENTERPRISES[op.seller] as EnterpriseParty;
        const code = attempt(() => {
          const input = parseTradeInput({
            amountMinor: String(amount),
            buyer,
            contractHash: 'c'.repeat(64),
            currency: 'CNY',
            deliveryNoteHash: 'd'.repeat(64),
            dueDate: '2031-01-01',
            invoiceCode: '1234567890',
            invoiceHash: inv.hash,
            invoiceNumber: inv.number,
            seller,
            tradeId: id,
          });
          const names = invoiceNamesOf(input);
          const reg = decideTradeRegistration(
            undefined,
            input,
            {
              byCodeAndNumber: ledger.claims.get(`n:${names.codeAndNumber}`),
              byHash: ledger.claims.get(`h:${names.hash}`),
            },
            meta(at(op.buyer, 'finance')),
          );
          let trade = reg.trade;
          if (op.confirm) trade = decideTradeConfirmation(trade, meta(at(op.seller, 'approver'))).trade;
          ledger.trades.set(id, trade);
          ledger.claims.set(`h:${names.hash}`, id);
          ledger.claims.set(`n:${names.codeAndNumber}`, id);
        });
        agree(op, ok, code);
        if (ok) {
          model.trades.set(id, {
            amount,
            buyer: op.buyer,
            confirmed: op.confirm,
            seller: op.seller,
            used: false,
          });
          model.claimedHashes.add(inv.hash);
          model.claimedNumbers.add(`1234567890/${inv.number}`);
        }
        break;
      }

      case 'issue': {
        // Mostly trades the first enterprise buys under (it plays the core enterprise), leaving the others'
        // trades to back transfers down the tiers; sometimes any trade.
        const ids = [...model.trades.keys()];
        const fromCore = ids.filter((id) => model.trades.get(id)?.buyer === 0);
        const tradeId = pick(op.anyTrade || fromCore.length === 0 ? ids : fromCore, op.trade);
        if (tradeId === undefined) break;
        const mt = model.trades.get(tradeId) as ModelTrade;
        const amount = (mt.amount * BigInt(op.eighths)) / 8n;
        const maturity = addDays(day, op.termDays);
        const longTerm = maturity > addMonths(day, 6);
        const ok =
          mt.confirmed &&
          !mt.used &&
          amount <= mt.amount &&
          maturity > day &&
          maturity <= addMonths(day, 12) &&
          (!longTerm || op.reason) &&
          !op.selfSign;
        const tokenId = `k${++n}`;
        let accepted: TokenRecord | undefined;
        const code = attempt(() => {
          const trade = ledger.trades.get(tradeId) as TradeRecord;
          const proposer = at(mt.buyer, 'finance');
          const input = {
            amountMinor: amount,
            currency: CNY,
            longTermReason: op.reason ? 'a long production cycle' : null,
            maturityDate: maturity,
            tokenId,
            tradeId,
            undertaking: 'pays at maturity',
          };
          const proposed = decideIssueProposal(undefined, input, trade, meta(proposer)).token;
          const signer = op.selfSign
            ? { ...proposer, roles: [...proposer.roles, 'enterprise-approver' as const] }
            : at(mt.buyer, 'approver');
          const signed = decideIssueSigning(proposed, trade, meta(signer));
          const answer = decideIssueAnswer(
            signed.token,
            signed.trade,
            op.decline ? 'DECLINE' : 'ACCEPT',
            'no',
            meta(at(mt.seller, 'finance')),
          );
          ledger.tokens.set(tokenId, answer.token);
          ledger.trades.set(tradeId, answer.trade);
          if (answer.outcome === 'ACCEPTED') {
            ledger.parts.set(answer.root.partId, answer.root);
            accepted = answer.token;
          }
        });
        agree(op, ok, code);
        if (ok && !op.decline) {
          mt.used = true;
          model.issued.set(tokenId, amount);
          model.parts.set(rootPartIdOf(tokenId), {
            amount,
            holder: partyLabel(ENTERPRISES[mt.seller] as EnterpriseParty),
            issuer: mt.buyer,
            maturity,
            offeredTo: null,
            paid: 0n,
            status: 'HELD',
            tokenId,
          });
          stats.issued++;
          // Term rules, as the ledger records them.
          expect(accepted?.longTerm).toBe(longTerm);
          if (longTerm) expect(accepted?.longTermReason).not.toBeNull();
        }
        break;
      }

      case 'move': {
        const partId = pick(partIds(op.live), op.part);
        if (partId === undefined) break;
        const mp = model.parts.get(partId) as ModelPart;
        const part = ledger.parts.get(partId) as PartRecord;
        const holderIdx = ENTERPRISES.findIndex((e) => partyLabel(e) === mp.holder);
        const actorIdx = op.byHolder && holderIdx >= 0 ? holderIdx : op.actor;
        // Amounts by shares, the remainder to the last, then the delta (which breaks the sum when not 0).
        const shares = op.outputs.reduce((s, o) => s + o.share, 0);
        const amounts = op.outputs.map((o) => (mp.amount * BigInt(o.share)) / BigInt(shares));
        const last = amounts.length - 1;
        amounts[last] =
          (amounts[last] as bigint) + mp.amount - amounts.reduce((s, a) => s + a, 0n) + BigInt(op.delta);
        const usedTrades = new Set<string>();
        // Each output's enterprise: -1 the holder itself (a split), -2 the seller of one of the holder's trades
        // that could back a transfer (so that valid transfers are common), else the one named.
        const freeSellers = [...model.trades.values()]
          .filter((t) => t.buyer === holderIdx && t.confirmed && !t.used)
          .map((t) => t.seller);
        const recipients = op.outputs.map((o) =>
          o.to === -1
            ? Math.max(holderIdx, 0)
            : o.to === -2
              ? (pick(freeSellers, o.trade) ?? o.trade % 4)
              : o.to,
        );
        const toOf = (i: number): number => recipients[i] as number;
        const outputs: MoveOutputInput[] = op.outputs.map((o, i) => {
          const holder = ENTERPRISES[toOf(i)] as EnterpriseParty;
          if (toOf(i) === holderIdx) return { amountMinor: amounts[i] as bigint, holder, tradeId: null };
          // A trade between the two that can back it if there is one (the model decides all the same), else any.
          const all = [...model.trades.entries()];
          const fitting = all.filter(([, t]) => t.buyer === holderIdx && t.seller === toOf(i));
          const free = fitting.filter(([, t]) => t.confirmed && !t.used);
          const chosen = pick(free.length > 0 ? free : fitting.length > 0 ? fitting : all, o.trade);
          return { amountMinor: amounts[i] as bigint, holder, tradeId: chosen?.[0] ?? 'none' };
        });
        const ok =
          mp.status === 'HELD' &&
          day < mp.maturity &&
          actorIdx === holderIdx &&
          outputs.reduce((s, o) => s + o.amountMinor, 0n) === mp.amount &&
          outputs.every((o) => o.amountMinor >= MIN) &&
          outputs.length <= POLICY.outputsMax &&
          !(outputs.length === 1 && toOf(0) === holderIdx) &&
          outputs.every((o, i) => {
            if (o.tradeId === null) return true;
            const t = model.trades.get(o.tradeId);
            if (t === undefined || usedTrades.has(o.tradeId)) return false;
            usedTrades.add(o.tradeId);
            return (
              t.confirmed &&
              !t.used &&
              t.buyer === holderIdx &&
              t.seller === toOf(i) &&
              o.amountMinor <= t.amount
            );
          });
        const moveId = `m${++n}`;
        const code = attempt(() => {
          const trades = new Map<string, TradeRecord>();
          for (const o of outputs) {
            const t = o.tradeId === null ? undefined : ledger.trades.get(o.tradeId);
            if (t !== undefined) trades.set(t.tradeId, t);
          }
          const proposed = decideMoveProposal(
            undefined,
            { moveId, outputs, partId },
            part,
            trades,
            POLICY,
            meta(at(actorIdx, 'finance')),
          ).move;
          const signed = decideMoveSigning(proposed, part, trades, POLICY, meta(at(actorIdx, 'approver')));
          if (signed.outcome !== 'SIGNED') throw new Error('a new move is signed');
          // Only the holder moves a part: the signer acts for the enterprise that held it.
          expect(partyLabel(part.holder)).toBe(partyLabel(ENTERPRISES[actorIdx] as EnterpriseParty));
          ledger.spends.push(partId);
          ledger.parts.set(partId, signed.spent);
          for (const c of signed.created) ledger.parts.set(c.partId, c);
          for (const t of signed.trades) ledger.trades.set(t.tradeId, t);
        });
        agree(op, ok, code);
        if (ok) {
          mp.status = 'SPENT';
          outputs.forEach((o, i) => {
            if (o.tradeId !== null) (model.trades.get(o.tradeId) as ModelTrade).used = true;
            model.parts.set(`${mp.tokenId}/${moveId}/${i}`, {
              amount: o.amountMinor,
              holder: partyLabel(o.holder),
              issuer: mp.issuer,
              maturity: mp.maturity,
              offeredTo: null,
              paid: 0n,
              status: 'HELD',
              tokenId: mp.tokenId,
            });
          });
          stats.moved++;
        }
        break;
      }

      case 'finance': {
        const partId = pick(partIds(op.live), op.part);
        if (partId === undefined) break;
        const mp = model.parts.get(partId) as ModelPart;
        const holderIdx = ENTERPRISES.findIndex((e) => partyLabel(e) === mp.holder);
        const actorIdx = op.byHolder && holderIdx >= 0 ? holderIdx : op.actor;
        const bank = BANKS[op.bank] as string;
        const offerOk = mp.status === 'HELD' && day < mp.maturity && actorIdx === holderIdx;
        const offerId = `o${++n}`;
        const offerCode = attempt(() => {
          const offered = decideOffer(
            ledger.parts.get(partId) as PartRecord,
            { bank, offerId, partId },
            meta(at(actorIdx, 'finance')),
          );
          ledger.parts.set(partId, offered.part);
        });
        agree(op, offerOk, offerCode);
        if (!offerOk) break;
        mp.status = 'OFFERED';
        mp.offeredTo = bank;
        const answerBank = BANKS[op.answerBank] as string;
        const answerOk = answerBank === bank;
        const answerCode = attempt(() => {
          const part = ledger.parts.get(partId) as PartRecord;
          const token = ledger.tokens.get(part.tokenId) as TokenRecord;
          const answer = decideFinancingAnswer(
            part,
            offerId,
            op.accept
              ? { kind: 'ACCEPT', terms: { dayCount: 'ACT/365F', feeMinor: 0n, rateBp: op.rateBp } }
              : { kind: 'DECLINE' },
            {
              partTrade: ledger.trades.get(part.tradeId) as TradeRecord,
              token,
              tokenTrade: ledger.trades.get(token.tradeId) as TradeRecord,
            },
            POLICY,
            meta(financierOf(answerBank)),
          );
          ledger.parts.set(partId, answer.part);
          if (answer.outcome === 'FINANCED') {
            expect(answer.financing.proceedsMinor).toBe(part.amountMinor - answer.financing.discountMinor);
            expect(answer.registration.originalTrade.invoiceHash).toBe(
              ledger.trades.get(token.tradeId)?.invoiceHash,
            );
          }
        });
        agree(op, answerOk, answerCode);
        if (answerOk) {
          mp.offeredTo = null;
          if (op.accept) {
            mp.status = 'FINANCED';
            mp.holder = bank;
            stats.financed++;
          } else mp.status = 'HELD';
        }
        break;
      }

      case 'pay': {
        const partId = pick(partIds(), op.part);
        if (partId === undefined) break;
        const mp = model.parts.get(partId) as ModelPart;
        const amount = (mp.amount * BigInt(op.quarters)) / 4n;
        const ok =
          op.byCore &&
          mp.status !== 'SPENT' &&
          mp.status !== 'PAID' &&
          day >= mp.maturity &&
          amount > 0n &&
          amount <= mp.amount - mp.paid;
        const code = attempt(() => {
          const paid = decidePayment(
            undefined,
            ledger.parts.get(partId) as PartRecord,
            {
              amountMinor: amount,
              partId,
              payeeAccount: '6222020200012345678',
              payerAccount: '6222020200087654321',
              paymentId: `p${++n}`,
              reference: parseReference(`PAY-${n}`),
            },
            meta(at(op.byCore ? mp.issuer : mp.issuer + 1, 'finance')),
          );
          ledger.parts.set(partId, paid.part);
          // The legs: the core enterprise's bank debits, the holder's bank credits, the amount paid.
          expect(paid.payment.legs.map((l) => [l.role, l.mspId, l.amountMinor])).toEqual([
            ['DEBTOR_AGENT', (ENTERPRISES[mp.issuer] as EnterpriseParty).mspId, amount],
            ['CREDITOR_AGENT', paid.part.holder.mspId, amount],
          ]);
        });
        agree(op, ok, code);
        if (ok) {
          mp.paid += amount;
          if (mp.paid === mp.amount) mp.status = 'PAID';
          else if (mp.status === 'OFFERED') mp.status = 'HELD';
          mp.offeredTo = null;
          stats.paid++;
        }
        break;
      }

      case 'advance':
        day = addDays(day, op.days);
        break;

      case 'sweep': {
        for (const p of sweepOverdue([...ledger.parts.values()], day)) ledger.parts.set(p.partId, p);
        for (const mp of model.parts.values())
          if (
            (mp.status === 'HELD' || mp.status === 'OFFERED' || mp.status === 'FINANCED') &&
            day > mp.maturity &&
            mp.paid < mp.amount
          ) {
            mp.status = 'OVERDUE';
            mp.offeredTo = null;
            stats.overdue++;
          }
        break;
      }
    }
    checkInvariants(model, ledger);
  }
}

function checkInvariants(model: Model, ledger: Ledger): void {
  // The ledger's parts are the model's, part for part.
  expect([...ledger.parts.keys()].sort()).toEqual([...model.parts.keys()].sort());
  for (const [id, p] of ledger.parts) {
    const mp = model.parts.get(id) as ModelPart;
    expect([p.status, p.amountMinor, p.paidMinor, partyLabel(p.holder)]).toEqual([
      mp.status,
      mp.amount,
      mp.paid,
      mp.holder,
    ]);
    // Every part points to its parent, spent by the move that made it, back to the token's root.
    const branch = branchOf(id, ledger.parts);
    expect(branch[0]?.partId).toBe(rootPartIdOf(p.tokenId));
    if (p.parentId !== null) expect(ledger.parts.get(p.parentId)?.status).toBe('SPENT');
  }
  // Conservation per token: unspent parts plus paid equal issued.
  for (const [tokenId, issued] of model.issued) {
    const parts = [...ledger.parts.values()].filter((p) => p.tokenId === tokenId);
    const live = parts.filter((p) => p.status !== 'SPENT');
    const outstanding = live.reduce((s, p) => s + p.amountMinor - p.paidMinor, 0n);
    const paid = live.reduce((s, p) => s + p.paidMinor, 0n);
    expect(outstanding + paid).toBe(issued);
    expect(tokenBalance({ amountMinor: issued, tokenId }, parts)).toEqual({
      outstandingMinor: outstanding,
      paidMinor: paid,
    });
  }
  // A part is spent once.
  expect(new Set(ledger.spends).size).toBe(ledger.spends.length);
  // No invoice behind two tokens or transfers: trades in use have distinct invoices, each trade backs one thing.
  const bound = [...ledger.trades.values()].filter((t) => t.boundTo !== null);
  expect(new Set(bound.map((t) => t.invoiceHash)).size).toBe(bound.length);
  expect(new Set(bound.map((t) => `${t.invoiceCode}/${t.invoiceNumber}`)).size).toBe(bound.length);
  const inForce = [...ledger.tokens.values()].filter((t) => t.status === 'ACCEPTED');
  expect(new Set(inForce.map((t) => t.tradeId)).size).toBe(inForce.length);
  // Term rules of every token in force.
  for (const t of inForce) {
    const issuedOn = t.issuedOn as string;
    expect(t.maturityDate > issuedOn && t.maturityDate <= addMonths(issuedOn, 12)).toBe(true);
    expect(t.longTerm).toBe(t.maturityDate > addMonths(issuedOn, 6));
    if (t.longTerm) expect(t.longTermReason).not.toBeNull();
  }
}

const sequences = fc.array(opArb, { minLength: 20, maxLength: 70, size: 'max' });

describe('receivables against a plain model', () => {
  it('random sequences of operations keep every invariant, and the core allows exactly what the model allows', () => {
    fc.assert(
      fc.property(sequences, (ops) => {
        run(ops);
      }),
      { numRuns: 100 },
    );
  });

  it('a fixed-seed run of the same property reaches every outcome and every refusal the rules name', () => {
    // Fixed, so that what it reached does not depend on luck: the random run above explores, this one measures
    // that the generators reach the rules at all (otherwise the properties would hold over nothing).
    for (const k of Object.keys(stats) as (keyof typeof stats)[]) stats[k] = 0;
    refusals.clear();
    fc.assert(
      fc.property(sequences, (ops) => {
        run(ops);
      }),
      { numRuns: 120, seed: 20_261_207 },
    );
    expect(stats.issued).toBeGreaterThan(30);
    expect(stats.moved).toBeGreaterThan(3);
    expect(stats.financed).toBeGreaterThan(5);
    expect(stats.paid).toBeGreaterThan(3);
    expect(stats.overdue).toBeGreaterThan(5);
    for (const seen of [
      'trade INVOICE_ALREADY_USED',
      'issue TRADE_NOT_CONFIRMED',
      'issue TERM_TOO_LONG',
      'issue REASON_REQUIRED',
      'finance PART_LOCKED',
      'issue INVOICE_ALREADY_USED',
      'issue SELF_APPROVAL',
      'move AMOUNT_MISMATCH',
      'move NOT_HOLDER',
      'move PART_SPENT',
      'move PART_LOCKED',
      'move PART_MATURED',
      'move INVOICE_ALREADY_USED',
      'finance NOT_A_PARTY',
      'pay NOT_A_PARTY',
      'pay AMOUNT_MISMATCH',
    ])
      expect(refusals).toContain(seen);
  });
});
