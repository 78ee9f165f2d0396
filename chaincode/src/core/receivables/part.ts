import { assert } from '../assert';
import { fail } from '../errors';
import { parseAmountMinor, type Currency } from '../money';
import { parseClientId } from '../reference';
import { requireAccess } from './access';
import { minPartMinorOf, type ReceivablesPolicy } from './limits';
import {
  inputObject,
  parseEnterprise,
  partyLabel,
  sameParty,
  type EnterpriseParty,
  type Party,
} from './parties';
import type { Screening } from './screening';
import type { TokenRecord } from './token';
import type { FourEyesRecord, MutationMeta, PersonRef, TradeRecord } from './trade';
import { bindTrade, personOf, requireTradeAvailable, sameRequestAgain, todayOf } from './trade';

/**
 * A part of a token, as unspent outputs: a split or transfer spends one part whole and creates new parts whose
 * amounts add up to it exactly. A part is spent once; only its holder moves it (under the holder's four eyes);
 * nothing moves on or after the maturity date, nor while offered to or financed by a bank. Every part names its
 * parent, so each traces back to the root part, the token, the core enterprise and the original trade.
 *
 * HELD: its holder may move it or offer it. OFFERED: a bank is asked to finance it (locked). FINANCED: a bank
 * holds it (locked until it is paid). SPENT: a split or transfer consumed it. PAID: the core enterprise paid it in
 * full. OVERDUE: unpaid after its maturity date (a sweep on ledger time marks it; payments may still come).
 */
export const PART_STATUSES = ['HELD', 'OFFERED', 'FINANCED', 'SPENT', 'PAID', 'OVERDUE'] as const;
export type PartStatus = (typeof PART_STATUSES)[number];

export interface OfferRef {
  readonly offerId: string;
  readonly bank: string;
  readonly at: string;
  readonly txId: string;
  readonly by: PersonRef;
  /** Screenings of the holder by the bank that refused the financing (screening.ts), oldest first. */
  readonly screenings?: readonly Screening[];
}

export interface PartRecord {
  readonly partId: string;
  readonly tokenId: string;
  /** null for the root part. */
  readonly parentId: string | null;
  readonly issuer: EnterpriseParty;
  readonly holder: Party;
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly maturityDate: string;
  readonly status: PartStatus;
  /** Paid so far by the core enterprise (partial payments add up; PAID when it reaches the amount). */
  readonly paidMinor: bigint;
  /** The trade that brought the part to its holder (the token's trade for the root; a split to oneself keeps its parent's). */
  readonly tradeId: string;
  readonly createdAt: string;
  readonly createdTxId: string;
  /** The move that spent it. */
  readonly spentBy: string | null;
  readonly offer: OfferRef | null;
  /** When financed: the financing's id and the enterprise that held the part before the bank. */
  readonly financing: { readonly financingId: string; readonly from: EnterpriseParty } | null;
  /** The first day it was overdue (the day after maturity), once a sweep marked it. */
  readonly overdueSince: string | null;
}

/** Part ids: made from the token's and the move's ids, which hold no '/', so no two parts can share one. */
export function rootPartIdOf(tokenId: string): string {
  return `${tokenId}/root`;
}

export function outputPartIdOf(tokenId: string, moveId: string, index: number): string {
  return `${tokenId}/${moveId}/${index}`;
}

export function rootPartOf(
  token: TokenRecord,
  meta: { readonly at: string; readonly txId: string },
): PartRecord {
  return {
    amountMinor: token.amountMinor,
    createdAt: meta.at,
    createdTxId: meta.txId,
    currency: token.currency,
    financing: null,
    holder: token.payee,
    issuer: token.issuer,
    maturityDate: token.maturityDate,
    offer: null,
    overdueSince: null,
    paidMinor: 0n,
    parentId: null,
    partId: rootPartIdOf(token.tokenId),
    spentBy: null,
    status: 'HELD',
    tokenId: token.tokenId,
    tradeId: token.tradeId,
  };
}

/**
 * Refuses to act on a part that cannot move or be offered now: spent (PART_SPENT), offered or financed
 * (PART_LOCKED), paid, overdue or on or after its maturity date (PART_MATURED).
 */
export function requireMovable(part: PartRecord, today: string, what: string): void {
  switch (part.status) {
    case 'HELD':
      break;
    case 'SPENT':
      fail('PART_SPENT', `${what}: part ${part.partId} was already spent by ${part.spentBy ?? 'a move'}`);
    case 'OFFERED':
      fail(
        'PART_LOCKED',
        `${what}: part ${part.partId} is offered to ${part.offer?.bank ?? 'a bank'} for financing`,
      );
    case 'FINANCED':
      fail('PART_LOCKED', `${what}: part ${part.partId} is financed by ${partyLabel(part.holder)}`);
    case 'PAID':
    case 'OVERDUE':
      fail(
        'PART_MATURED',
        `${what}: part ${part.partId} is ${part.status} (it matured on ${part.maturityDate})`,
      );
  }
  if (today >= part.maturityDate)
    fail(
      'PART_MATURED',
      `${what}: part ${part.partId} matures on ${part.maturityDate}; nothing moves from that day`,
    );
}

// ---- Split and transfer ---------------------------------------------------------------------------------------

export interface MoveOutputInput {
  readonly holder: EnterpriseParty;
  readonly amountMinor: bigint;
  /** The trade between the holder (buyer) and this output's holder (seller); none for an output to oneself. */
  readonly tradeId: string | null;
}

export interface MoveInput {
  readonly moveId: string;
  readonly partId: string;
  readonly outputs: readonly MoveOutputInput[];
}

export interface MoveOutput extends MoveOutputInput {
  readonly partId: string;
}

export const MOVE_STATUSES = ['PROPOSED', 'SIGNED'] as const;
export type MoveStatus = (typeof MOVE_STATUSES)[number];

/**
 * A split and/or transfer: proposed by the holder's finance, executed when an approver of the holder signs. A
 * proposal locks nothing: two proposals may name the same part; the first signed spends it and the other's
 * signing is refused PART_SPENT.
 */
export interface MoveRecord extends FourEyesRecord {
  readonly moveId: string;
  readonly tokenId: string;
  readonly partId: string;
  readonly holder: EnterpriseParty;
  readonly outputs: readonly MoveOutput[];
  readonly status: MoveStatus;
  readonly signTxId: string | null;
  /**
   * Every screening of the enterprises the move passes parts to, one per enterprise per signing attempt, oldest
   * first: a refused attempt leaves the move PROPOSED with its screenings; absent on a move never signed.
   */
  readonly screenings?: readonly Screening[];
}

const MOVE_FIELDS = ['moveId', 'outputs', 'partId'];
const OUTPUT_FIELDS = ['amountMinor', 'holder', 'tradeId'];

/** A move as asked; its count of outputs is bounded here (before reading them) by the policy's maximum. */
export function parseMoveInput(raw: unknown, policy: ReceivablesPolicy, field = 'move'): MoveInput {
  const o = inputObject(raw, field);
  for (const k of Object.keys(o))
    if (!MOVE_FIELDS.includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected ${MOVE_FIELDS.join(', ')})`);
  const moveId = parseClientId(o.moveId, `${field}.moveId`);
  if (typeof o.partId !== 'string' || o.partId.length === 0 || o.partId.length > 200)
    fail('INVALID_INPUT', `${field}.partId must be a part id`);
  if (!Array.isArray(o.outputs) || o.outputs.length === 0)
    fail('INVALID_INPUT', `${field}.outputs must be a non-empty array of { holder, amountMinor, tradeId? }`);
  if (o.outputs.length > policy.outputsMax)
    fail(
      'POLICY_VIOLATION',
      `${field}.outputs: at most ${policy.outputsMax} outputs per move, got ${o.outputs.length}`,
    );
  const outputs = o.outputs.map((r: unknown, i): MoveOutputInput => {
    const f = `${field}.outputs[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      fail('INVALID_INPUT', `${f} must be an object`);
    const out = r as Record<string, unknown>;
    for (const k of Object.keys(out))
      if (!OUTPUT_FIELDS.includes(k))
        fail('INVALID_INPUT', `${f}.${k} is not a field (expected ${OUTPUT_FIELDS.join(', ')})`);
    return {
      amountMinor: parseAmountMinor(out.amountMinor, `${f}.amountMinor`),
      holder: parseEnterprise(out.holder, `${f}.holder`),
      tradeId:
        out.tradeId === undefined || out.tradeId === null ? null : parseClientId(out.tradeId, `${f}.tradeId`),
    };
  });
  return { moveId, outputs, partId: o.partId };
}

/**
 * Every rule of a move against the part and trades as they are now; returns the outputs with their part ids.
 * `trades` holds the records of the trades the outputs name (the contract reads them by key).
 */
function checkMove(
  input: MoveInput,
  part: PartRecord,
  trades: ReadonlyMap<string, TradeRecord>,
  policy: ReceivablesPolicy,
  today: string,
): MoveOutput[] {
  requireMovable(part, today, 'move');
  const holder = part.holder;
  assert(holder.kind === 'ENTERPRISE', 'a part that can move is held by an enterprise');
  if (input.outputs.length > policy.outputsMax)
    fail(
      'POLICY_VIOLATION',
      `move: at most ${policy.outputsMax} outputs per move, got ${input.outputs.length}`,
    );
  const total = input.outputs.reduce((sum, o) => sum + o.amountMinor, 0n);
  if (total !== part.amountMinor)
    fail(
      'AMOUNT_MISMATCH',
      `move: the outputs add up to ${total} minor units, but part ${part.partId} holds ${part.amountMinor}; they must be equal`,
    );
  const min = minPartMinorOf(policy, part.currency);
  const seenTrades = new Set<string>();
  const outputs = input.outputs.map((o, i): MoveOutput => {
    const f = `move.outputs[${i}]`;
    if (o.amountMinor < min)
      fail(
        'POLICY_VIOLATION',
        `${f}: ${o.amountMinor} is below the smallest part of ${min} ${part.currency} minor units`,
      );
    const toSelf = sameParty(o.holder, holder);
    if (toSelf && o.tradeId !== null)
      fail('INVALID_INPUT', `${f}: an output to the holder itself is a split and names no trade`);
    if (!toSelf) {
      if (o.tradeId === null)
        fail(
          'INVALID_INPUT',
          `${f}: a transfer to ${partyLabel(o.holder)} needs the trade between them (tradeId)`,
        );
      if (seenTrades.has(o.tradeId)) fail('INVALID_INPUT', `${f}: trade ${o.tradeId} backs one output only`);
      seenTrades.add(o.tradeId);
      const trade = trades.get(o.tradeId);
      if (trade === undefined) fail('TRADE_NOT_FOUND', `${f}: trade ${o.tradeId} is not registered`);
      requireTradeAvailable(trade, holder, o.holder, o.amountMinor, part.currency, f);
    }
    return { ...o, partId: outputPartIdOf(part.tokenId, input.moveId, i) };
  });
  if (outputs.length === 1 && outputs[0] !== undefined && sameParty(outputs[0].holder, holder))
    fail('INVALID_INPUT', 'move: one output to the holder itself changes nothing');
  return outputs;
}

/** The holder's finance proposes a split and/or transfer; nothing is spent until an approver signs. */
export function decideMoveProposal(
  existing: MoveRecord | undefined,
  input: MoveInput,
  part: PartRecord,
  trades: ReadonlyMap<string, TradeRecord>,
  policy: ReceivablesPolicy,
  meta: MutationMeta,
): { outcome: 'PROPOSED' | 'UNCHANGED'; move: MoveRecord } {
  requireAccess(meta.actor, 'PROPOSE_MOVE', [part.holder]);
  if (sameRequestAgain(existing, meta.inputHash, `move ${input.moveId} was already proposed`))
    return { move: existing, outcome: 'UNCHANGED' };
  if (part.partId !== input.partId)
    fail('INVALID_INPUT', `move names part ${input.partId}, but part ${part.partId} was given`);
  const outputs = checkMove(input, part, trades, policy, todayOf(meta));
  assert(part.holder.kind === 'ENTERPRISE', 'checkMove holds that an enterprise holds the part');
  return {
    move: {
      holder: part.holder,
      inputHash: meta.inputHash,
      moveId: input.moveId,
      outputs,
      partId: part.partId,
      proposedAt: meta.at,
      proposedBy: personOf(meta.actor),
      signTxId: null,
      signedAt: null,
      signedBy: null,
      status: 'PROPOSED',
      tokenId: part.tokenId,
      txId: meta.txId,
    },
    outcome: 'PROPOSED',
  };
}

export type MoveSigning =
  | { readonly outcome: 'UNCHANGED'; readonly move: MoveRecord }
  | {
      readonly outcome: 'SIGNED';
      readonly move: MoveRecord;
      readonly spent: PartRecord;
      readonly created: readonly PartRecord[];
      readonly trades: readonly TradeRecord[];
    };

/**
 * An approver of the holder signs the move: every rule is checked again against the part and trades as they are
 * now (another move may have spent the part, another transfer bound a trade, the maturity date come), then the
 * part is spent, its outputs created, each pointing to it, and the trades bound to the move.
 */
export function decideMoveSigning(
  move: MoveRecord,
  part: PartRecord,
  trades: ReadonlyMap<string, TradeRecord>,
  policy: ReceivablesPolicy,
  meta: Omit<MutationMeta, 'inputHash'>,
): MoveSigning {
  requireAccess(meta.actor, 'SIGN_MOVE', [move.holder]);
  if (move.status === 'SIGNED') {
    if (move.signedBy?.id === meta.actor.id) return { move, outcome: 'UNCHANGED' };
    fail('ALREADY_DECIDED', `move ${move.moveId} was already signed by ${move.signedBy?.name ?? 'someone'}`);
  }
  if (part.partId !== move.partId)
    fail(
      'INVALID_INPUT',
      `move ${move.moveId} spends part ${move.partId}, but part ${part.partId} was given`,
    );
  if (!sameParty(part.holder, move.holder))
    fail(
      'NOT_HOLDER',
      `move ${move.moveId} was proposed by ${partyLabel(move.holder)}, which no longer holds the part`,
    );
  if (meta.actor.id === move.proposedBy.id)
    fail('SELF_APPROVAL', `${meta.actor.name} proposed move ${move.moveId} and cannot also sign it`);
  const outputs = checkMove(move, part, trades, policy, todayOf(meta));
  const created = outputs.map((o): PartRecord => ({
    amountMinor: o.amountMinor,
    createdAt: meta.at,
    createdTxId: meta.txId,
    currency: part.currency,
    financing: null,
    holder: o.holder,
    issuer: part.issuer,
    maturityDate: part.maturityDate,
    offer: null,
    overdueSince: null,
    paidMinor: 0n,
    parentId: part.partId,
    partId: o.partId,
    spentBy: null,
    status: 'HELD',
    tokenId: part.tokenId,
    tradeId: o.tradeId ?? part.tradeId,
  }));
  assert(
    created.reduce((s, p) => s + p.amountMinor, 0n) === part.amountMinor,
    "a move's outputs add up to the part it spends",
  );
  const bound = outputs.flatMap((o) => {
    if (o.tradeId === null) return [];
    const trade = trades.get(o.tradeId);
    assert(trade !== undefined, 'checkMove found every trade');
    return [bindTrade(trade, { id: move.moveId, kind: 'MOVE', txId: meta.txId })];
  });
  return {
    created,
    move: {
      ...move,
      signTxId: meta.txId,
      signedAt: meta.at,
      signedBy: personOf(meta.actor),
      status: 'SIGNED',
    },
    outcome: 'SIGNED',
    spent: { ...part, spentBy: move.moveId, status: 'SPENT' },
    trades: bound,
  };
}

// ---- Trace and invariants -------------------------------------------------------------------------------------

/** The parts from the root down to `partId` (the contract or the index supplies the token's parts). */
export function branchOf(partId: string, parts: ReadonlyMap<string, PartRecord>): PartRecord[] {
  const path: PartRecord[] = [];
  let at: string | null = partId;
  while (at !== null) {
    const p = parts.get(at);
    if (p === undefined) fail('PART_NOT_FOUND', `part ${at} is not on the ledger`);
    path.push(p);
    at = p.parentId;
    assert(path.length <= parts.size, 'the parent links of a token form a tree');
  }
  return path.reverse();
}

/**
 * The parties who may read a branch (the access table's BRANCH): the core enterprise, every holder from the root
 * down to the part, and the enterprise a financed part came from.
 */
export function branchParties(branch: readonly PartRecord[]): Party[] {
  const parties: Party[] = [];
  const add = (p: Party): void => {
    if (!parties.some((q) => sameParty(p, q))) parties.push(p);
  };
  for (const part of branch) {
    add(part.issuer);
    add(part.holder);
    if (part.financing !== null) add(part.financing.from);
  }
  return parties;
}

/**
 * A token's parts hold its amount: the parts not spent add up to the token's amount, each part's payments are
 * within its amount, and a part is PAID exactly when paid in full. Returns what is outstanding and what is paid.
 */
export function tokenBalance(
  token: Pick<TokenRecord, 'tokenId' | 'amountMinor'>,
  parts: Iterable<PartRecord>,
): { outstandingMinor: bigint; paidMinor: bigint } {
  let outstandingMinor = 0n;
  let paidMinor = 0n;
  for (const p of parts) {
    if (p.tokenId !== token.tokenId || p.status === 'SPENT') continue;
    assert(p.paidMinor >= 0n && p.paidMinor <= p.amountMinor, `part ${p.partId} is paid within its amount`);
    assert(
      (p.status === 'PAID') === (p.paidMinor === p.amountMinor),
      `part ${p.partId} is PAID when paid in full`,
    );
    outstandingMinor += p.amountMinor - p.paidMinor;
    paidMinor += p.paidMinor;
  }
  assert(
    outstandingMinor + paidMinor === token.amountMinor,
    `token ${token.tokenId}'s unspent parts hold its amount`,
  );
  return { outstandingMinor, paidMinor };
}
