import { fail } from '../errors';
import { parseAmountMinor, parseCurrency, type Currency } from '../money';
import { parseClientId, parseIsoDate, parseText } from '../reference';
import { requireAccess } from './access';
import { addMonths } from './calendar';
import { RECEIVABLES_LIMITS } from './limits';
import type { EnterpriseParty } from './parties';
import { inputObject } from './parties';
import { rootPartOf, type PartRecord } from './part';
import type { FourEyesRecord, MutationMeta, PersonRef, TradeRecord } from './trade';
import { bindTrade, personOf, releaseTrade, requireTradeAvailable, sameRequestAgain, todayOf } from './trade';

/**
 * A receivable token: the core enterprise's irrevocable undertaking to pay an amount on a date, issued to its
 * supplier against a confirmed trade between them. Issued under four eyes (finance proposes, an approver of the
 * same enterprise signs, never the proposer), then accepted or declined by the supplier. On acceptance its root
 * part comes into being, held by the supplier; from then on the parts (part.ts) carry the money.
 *
 * Term rule (RECEIVABLES_LIMITS): the maturity date must be after the issue day and at most 12 calendar months
 * after it; beyond 6 months it needs a stated reason and the token is flagged `longTerm`. The issue day is the
 * ledger day of the signing (the token is issued then); the proposal is checked against its own day too, so a
 * proposal that could never be signed is refused at once.
 */
export interface IssueInput {
  readonly tokenId: string;
  readonly tradeId: string;
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly maturityDate: string;
  /** The irrevocable payment undertaking as the core enterprise words it. */
  readonly undertaking: string;
  /** Why the term is beyond six months; required then, kept when given otherwise. */
  readonly longTermReason: string | null;
}

export const TOKEN_STATUSES = ['PROPOSED', 'SIGNED', 'ACCEPTED', 'DECLINED'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export interface TokenRecord extends IssueInput, FourEyesRecord {
  readonly issuer: EnterpriseParty;
  readonly payee: EnterpriseParty;
  readonly longTerm: boolean;
  readonly status: TokenStatus;
  /** The ledger day of the signing: the issue date, from which the term runs. */
  readonly issuedOn: string | null;
  readonly answeredBy: PersonRef | null;
  readonly answeredAt: string | null;
  readonly declineReason: string | null;
}

const ISSUE_FIELDS = [
  'amountMinor',
  'currency',
  'longTermReason',
  'maturityDate',
  'tokenId',
  'tradeId',
  'undertaking',
];

export function parseIssueInput(raw: unknown, field = 'issue'): IssueInput {
  const o = inputObject(raw, field);
  for (const k of Object.keys(o))
    if (!ISSUE_FIELDS.includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected ${ISSUE_FIELDS.join(', ')})`);
  const reason = parseText(o.longTermReason, `${field}.longTermReason`, RECEIVABLES_LIMITS.reasonMax, false);
  return {
    amountMinor: parseAmountMinor(o.amountMinor, `${field}.amountMinor`),
    currency: parseCurrency(o.currency, `${field}.currency`),
    longTermReason: reason === '' ? null : reason,
    maturityDate: parseIsoDate(o.maturityDate, `${field}.maturityDate`),
    tokenId: parseClientId(o.tokenId, `${field}.tokenId`),
    tradeId: parseClientId(o.tradeId, `${field}.tradeId`),
    undertaking: parseText(o.undertaking, `${field}.undertaking`, RECEIVABLES_LIMITS.undertakingMax),
  };
}

/**
 * The term rule for a token issued on `issueDay` that matures on `maturityDate`. Returns whether it is flagged.
 * The months are calendar months (calendar.ts: addMonths, a day the month lacks becomes its last day).
 */
export function checkTerm(
  issueDay: string,
  maturityDate: string,
  reason: string | null,
): { longTerm: boolean } {
  if (maturityDate <= issueDay)
    fail('INVALID_INPUT', `maturityDate ${maturityDate} must be after the issue day ${issueDay}`);
  const latest = addMonths(issueDay, RECEIVABLES_LIMITS.termMonthsMax);
  if (maturityDate > latest)
    fail(
      'TERM_TOO_LONG',
      `maturityDate ${maturityDate} is more than ${RECEIVABLES_LIMITS.termMonthsMax} months after the issue day ${issueDay} (the latest is ${latest})`,
    );
  const flaggedAfter = addMonths(issueDay, RECEIVABLES_LIMITS.termMonthsFlagged);
  if (maturityDate <= flaggedAfter) return { longTerm: false };
  if (reason === null)
    fail(
      'REASON_REQUIRED',
      `maturityDate ${maturityDate} is more than ${RECEIVABLES_LIMITS.termMonthsFlagged} months after the issue day ${issueDay} (after ${flaggedAfter}): state why in longTermReason`,
    );
  return { longTerm: true };
}

/** The core enterprise's finance proposes an issue against a confirmed trade whose buyer it is. */
export function decideIssueProposal(
  existing: TokenRecord | undefined,
  input: IssueInput,
  trade: TradeRecord,
  meta: MutationMeta,
): { outcome: 'PROPOSED' | 'UNCHANGED'; token: TokenRecord } {
  requireAccess(meta.actor, 'PROPOSE_ISSUE', [trade.buyer]);
  if (sameRequestAgain(existing, meta.inputHash, `token ${input.tokenId} was already proposed`))
    return { outcome: 'UNCHANGED', token: existing };
  if (trade.tradeId !== input.tradeId)
    fail('INVALID_INPUT', `issue names trade ${input.tradeId}, but trade ${trade.tradeId} was given`);
  requireTradeAvailable(trade, trade.buyer, trade.seller, input.amountMinor, input.currency, 'issue');
  const { longTerm } = checkTerm(todayOf(meta), input.maturityDate, input.longTermReason);
  return {
    outcome: 'PROPOSED',
    token: {
      ...input,
      answeredAt: null,
      answeredBy: null,
      declineReason: null,
      inputHash: meta.inputHash,
      issuedOn: null,
      issuer: trade.buyer,
      longTerm,
      payee: trade.seller,
      proposedAt: meta.at,
      proposedBy: personOf(meta.actor),
      signedAt: null,
      signedBy: null,
      status: 'PROPOSED',
      txId: meta.txId,
    },
  };
}

/**
 * An approver of the core enterprise signs the proposal: the token is issued (its term counted from today) and
 * its trade bound to it, waiting for the supplier's answer. The proposer cannot sign; signing again changes nothing.
 */
export function decideIssueSigning(
  token: TokenRecord,
  trade: TradeRecord,
  meta: Omit<MutationMeta, 'inputHash'>,
): { outcome: 'SIGNED' | 'UNCHANGED'; token: TokenRecord; trade: TradeRecord } {
  requireAccess(meta.actor, 'SIGN_ISSUE', [token.issuer]);
  if (token.status !== 'PROPOSED') {
    if (token.status === 'SIGNED' && token.signedBy?.id === meta.actor.id)
      return { outcome: 'UNCHANGED', token, trade };
    fail('ALREADY_DECIDED', `token ${token.tokenId} is ${token.status}, not waiting for a signature`);
  }
  if (meta.actor.id === token.proposedBy.id)
    fail('SELF_APPROVAL', `${meta.actor.name} proposed token ${token.tokenId} and cannot also sign it`);
  requireTradeAvailable(trade, token.issuer, token.payee, token.amountMinor, token.currency, 'issue');
  const today = todayOf(meta);
  const { longTerm } = checkTerm(today, token.maturityDate, token.longTermReason);
  return {
    outcome: 'SIGNED',
    token: {
      ...token,
      issuedOn: today,
      longTerm,
      signedAt: meta.at,
      signedBy: personOf(meta.actor),
      status: 'SIGNED',
    },
    trade: bindTrade(trade, { id: token.tokenId, kind: 'ISSUE', txId: meta.txId }),
  };
}

export type IssueAnswer =
  | {
      readonly outcome: 'ACCEPTED';
      readonly token: TokenRecord;
      readonly trade: TradeRecord;
      readonly root: PartRecord;
    }
  | { readonly outcome: 'DECLINED'; readonly token: TokenRecord; readonly trade: TradeRecord }
  | { readonly outcome: 'UNCHANGED'; readonly token: TokenRecord; readonly trade: TradeRecord };

/**
 * The supplier accepts the signed token (its root part comes into being, held by the supplier) or declines it
 * (its trade is freed). The same answer again changes nothing; the other answer is ALREADY_DECIDED. A token whose
 * maturity came before an answer can no longer be accepted.
 */
export function decideIssueAnswer(
  token: TokenRecord,
  trade: TradeRecord,
  answer: 'ACCEPT' | 'DECLINE',
  reason: string | null,
  meta: Omit<MutationMeta, 'inputHash'>,
): IssueAnswer {
  requireAccess(meta.actor, 'ANSWER_ISSUE', [token.payee]);
  if (token.status === 'ACCEPTED' || token.status === 'DECLINED') {
    if ((token.status === 'ACCEPTED') === (answer === 'ACCEPT'))
      return { outcome: 'UNCHANGED', token, trade };
    fail('ALREADY_DECIDED', `token ${token.tokenId} was already ${token.status}`);
  }
  if (token.status !== 'SIGNED')
    fail('INVALID_TRANSITION', `token ${token.tokenId} is not signed by its issuer yet`);
  const answered = { answeredAt: meta.at, answeredBy: personOf(meta.actor) };
  if (answer === 'DECLINE') {
    const why = parseText(reason, 'reason', RECEIVABLES_LIMITS.reasonMax);
    return {
      outcome: 'DECLINED',
      token: { ...token, ...answered, declineReason: why, status: 'DECLINED' },
      trade: releaseTrade(trade, token.tokenId),
    };
  }
  if (todayOf(meta) >= token.maturityDate)
    fail('PART_MATURED', `token ${token.tokenId} matured on ${token.maturityDate} before it was accepted`);
  const accepted: TokenRecord = { ...token, ...answered, status: 'ACCEPTED' };
  return { outcome: 'ACCEPTED', root: rootPartOf(accepted, meta), token: accepted, trade };
}
