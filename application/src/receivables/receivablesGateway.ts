import type {
  FinancingView,
  IndexedKind,
  IndexPage,
  IndexRecords,
  MoveRecord,
  MoveStep,
  PartStep,
  PartView,
  PaymentRecord,
  PaymentStep,
  SweepResult,
  TokenStep,
  TokenView,
  TradeRecord,
  TradeStep,
  Wire,
} from '../../../chaincode/src/api/receivables';
import type {
  PolicyInput,
  PolicyProposalView,
  PolicyStep,
  PolicyVersionView,
} from '../../../chaincode/src/api/receivables';
import type { PostedLeg } from '../../../chaincode/src/api/reconciliation';
import type { DayCount } from '../../../chaincode/src/core/receivables/financing';
import { canonicalJson } from '../../../chaincode/src/ledger/codec';
import type { SubjectKey, SubjectKeyring } from '../blacklist/subjectKeys';
import {
  LedgerRejected,
  type Committed,
  type Identity,
  type LegInput,
  type SubmitOptions,
} from '../ledger/ledgerGateway';
import type { ContractCall, TransportGateway } from '../ledger/transportGateway';

/** An enterprise as inputs name it: its unified social credit code and the bank that enrolled it. */
export interface EnterpriseRef {
  readonly kind: 'ENTERPRISE';
  readonly enterpriseId: string;
  readonly mspId: string;
}

/** Amounts are integer minor units as decimal strings ("125000"), never JSON numbers. */
export interface TradeInput {
  readonly tradeId: string;
  readonly buyer: EnterpriseRef;
  readonly seller: EnterpriseRef;
  readonly contractHash: string;
  readonly invoiceHash: string;
  readonly deliveryNoteHash: string;
  /** 10 or 12 digits; '' for a fully digital invoice (its number then has 20 digits). */
  readonly invoiceCode: string;
  readonly invoiceNumber: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly dueDate: string;
}

export interface IssueInput {
  readonly tokenId: string;
  readonly tradeId: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly maturityDate: string;
  readonly undertaking: string;
  readonly longTermReason?: string;
}

export interface MoveInput {
  readonly moveId: string;
  readonly partId: string;
  readonly outputs: readonly {
    readonly holder: EnterpriseRef;
    readonly amountMinor: string;
    readonly tradeId?: string;
  }[];
}

export interface OfferInput {
  readonly offerId: string;
  readonly partId: string;
  readonly bank: string;
}

export interface FinancingAnswerInput {
  readonly partId: string;
  readonly offerId: string;
  readonly decision: 'ACCEPT' | 'DECLINE';
  readonly terms?: { readonly rateBp: number; readonly dayCount: DayCount; readonly feeMinor?: string };
}

export interface PaymentInput {
  readonly paymentId: string;
  readonly partId: string;
  readonly amountMinor: string;
  /** The bank payment's end-to-end reference (UETR or EndToEndId). */
  readonly reference: string;
  readonly payerAccount: string;
  readonly payeeAccount: string;
}

/** The keyed hashes an enterprise is screened under: its code as a `CN_USCC` subject, every key version held. */
export function screeningKeysOf(keyring: SubjectKeyring): (enterpriseId: string) => readonly SubjectKey[] {
  return (enterpriseId) => keyring.keysForIdentifier('CN_USCC', enterpriseId, 'enterpriseId');
}

const CONTRACT = 'receivables';
const call = (
  name: string,
  args: readonly string[] = [],
  transient: Record<string, string> = {},
): ContractCall => ({ fcn: `${CONTRACT}:${name}`, args, transient });

/**
 * The receivables use cases on the ledger, over the same transport, retries (MVCC conflicts, with the same
 * client-chosen id) and error mapping as the other contracts' gateways. Everything that names an amount, a
 * party or a document's hash travels in the transient map; ids are arguments. Answers are as the chaincode
 * wrote them: amounts as decimal strings.
 */
export class ReceivablesGateway {
  /**
   * `screeningKeys`: the node's keyed hashes of an enterprise's unified social credit code under every blacklist
   * key version it holds (the node's `SubjectKeyring`). Signing a transfer and accepting a financing screen the
   * receiving enterprise against the shared blacklist; the chaincode has no key, so the node sends the hashes.
   * Without it, such a step is refused SCREENING_REQUIRED.
   */
  constructor(
    private readonly gateway: TransportGateway,
    private readonly screeningKeys?: (enterpriseId: string) => readonly SubjectKey[],
  ) {}

  /** The transient `screening` of a step: the enterprises the chaincode says it screens, hashed here. */
  private async screeningOf(
    who: Identity,
    kind: 'MOVE' | 'OFFER',
    id: string,
  ): Promise<Record<string, string>> {
    const keysOf = this.screeningKeys;
    if (keysOf === undefined) return {};
    let enterprises: readonly string[];
    try {
      ({ enterprises } = await this.screeningSubjects(who, kind, id));
    } catch (e) {
      // The step itself will be refused, by the chaincode's submit, with its own code.
      if (e instanceof LedgerRejected) return {};
      throw e;
    }
    if (enterprises.length === 0) return {};
    const screening: Record<string, readonly { keyVersion: number; subjectKey: string }[]> = {};
    for (const e of enterprises)
      screening[e] = keysOf(e).map((k) => ({ keyVersion: k.keyVersion, subjectKey: k.subjectKey }));
    return { screening: canonicalJson(screening) };
  }

  /** The enterprises a step would screen (for the node to hash), as `who` may ask. */
  screeningSubjects(who: Identity, kind: 'MOVE' | 'OFFER', id: string) {
    return this.evaluate<{ enterprises: string[] }>(who, call('screeningSubjects', [kind, id]));
  }

  private submit<T>(who: Identity, c: ContractCall, options?: SubmitOptions): Promise<Committed<Wire<T>>> {
    return this.gateway.submitCall(who, c, options);
  }

  private evaluate<T>(who: Identity, c: ContractCall): Promise<Wire<T>> {
    return this.gateway.evaluateCall(who, c);
  }

  registerTrade(who: Identity, trade: TradeInput, options?: SubmitOptions) {
    return this.submit<TradeStep>(who, call('registerTrade', [], { trade: canonicalJson(trade) }), options);
  }

  confirmTrade(who: Identity, tradeId: string, options?: SubmitOptions) {
    return this.submit<TradeStep>(who, call('confirmTrade', [tradeId]), options);
  }

  trade(who: Identity, tradeId: string) {
    return this.evaluate<TradeRecord>(who, call('getTrade', [tradeId]));
  }

  proposeIssue(who: Identity, issue: IssueInput, options?: SubmitOptions) {
    return this.submit<TokenStep>(who, call('proposeIssue', [], { issue: canonicalJson(issue) }), options);
  }

  signIssue(who: Identity, tokenId: string, options?: SubmitOptions) {
    return this.submit<TokenStep>(who, call('signIssue', [tokenId]), options);
  }

  answerIssue(
    who: Identity,
    tokenId: string,
    answer: { readonly decision: 'ACCEPT' } | { readonly decision: 'DECLINE'; readonly reason: string },
    options?: SubmitOptions,
  ) {
    const reason = answer.decision === 'DECLINE' ? answer.reason : '';
    return this.submit<TokenStep>(who, call('answerIssue', [tokenId, answer.decision, reason]), options);
  }

  token(who: Identity, tokenId: string) {
    return this.evaluate<TokenView>(who, call('getToken', [tokenId]));
  }

  proposeMove(who: Identity, move: MoveInput, options?: SubmitOptions) {
    return this.submit<MoveStep>(who, call('proposeMove', [], { move: canonicalJson(move) }), options);
  }

  async signMove(who: Identity, moveId: string, options?: SubmitOptions) {
    const transient = await this.screeningOf(who, 'MOVE', moveId);
    return this.submit<MoveStep>(who, call('signMove', [moveId], transient), options);
  }

  move(who: Identity, moveId: string) {
    return this.evaluate<MoveRecord>(who, call('getMove', [moveId]));
  }

  part(who: Identity, partId: string) {
    return this.evaluate<PartView>(who, call('getPart', [partId]));
  }

  offerFinancing(who: Identity, offer: OfferInput, options?: SubmitOptions) {
    return this.submit<PartStep>(who, call('offerFinancing', [], { offer: canonicalJson(offer) }), options);
  }

  withdrawOffer(who: Identity, partId: string, options?: SubmitOptions) {
    return this.submit<PartStep>(who, call('withdrawOffer', [partId]), options);
  }

  async answerFinancing(who: Identity, answer: FinancingAnswerInput, options?: SubmitOptions) {
    const transient = answer.decision === 'ACCEPT' ? await this.screeningOf(who, 'OFFER', answer.partId) : {};
    return this.submit<PartStep>(
      who,
      call('answerFinancing', [], { answer: canonicalJson(answer), ...transient }),
      options,
    );
  }

  financing(who: Identity, partId: string) {
    return this.evaluate<FinancingView>(who, call('getFinancing', [partId]));
  }

  recordPayment(who: Identity, payment: PaymentInput, options?: SubmitOptions) {
    return this.submit<PaymentStep>(
      who,
      call('recordPayment', [], { payment: canonicalJson(payment) }),
      options,
    );
  }

  payment(who: Identity, paymentId: string) {
    return this.evaluate<PaymentRecord>(who, call('getPayment', [paymentId]));
  }

  /** For the node's index: the records events named, as `who` (the bank's system or an auditor) may index them. */
  indexRecords(who: Identity, refs: readonly { readonly kind: IndexedKind; readonly id: string }[]) {
    return this.evaluate<IndexRecords>(who, call('indexRecords', [], { refs: canonicalJson(refs) }));
  }

  /** One page of a kind's records after an id, as `who` may index them (verifying the index). */
  listForIndex(who: Identity, kind: IndexedKind, after: string, limit: number) {
    return this.evaluate<IndexPage>(who, call('listForIndex', [kind, after, String(limit)]));
  }

  /** Proposes a whole receivables policy (amounts as decimal strings), as a governing bank's admin. */
  proposePolicy(who: Identity, proposalId: string, policy: PolicyInput, options?: SubmitOptions) {
    return this.submit<PolicyStep>(who, call('proposePolicy', [proposalId, canonicalJson(policy)]), options);
  }

  /** Approves a proposal, as a governing bank's approver; the majority's approval adopts it. */
  approvePolicy(who: Identity, proposalId: string, options?: SubmitOptions) {
    return this.submit<PolicyStep>(who, call('approvePolicy', [proposalId]), options);
  }

  /** A version of the policy: 0 the one in force. */
  policy(who: Identity, version = 0) {
    return this.evaluate<PolicyVersionView>(who, call('getPolicy', [String(version)]));
  }

  policyProposals(who: Identity) {
    return this.evaluate<PolicyProposalView[]>(who, call('listPolicyProposals'));
  }

  sweepOverdue(who: Identity, options?: SubmitOptions) {
    return this.submit<SweepResult>(who, call('sweepOverdue'), options);
  }

  /**
   * Posts this node's leg of a recorded payment on the reconciliation ledger: `reader` (a party of the part's
   * branch, or the bank's financier) reads the payment, and the bank's `submitter` posts the leg whose
   * institution is its own: the core enterprise's bank its debit, the holder's bank its credit. A payment that
   * never arrives, or arrives short, then becomes a break on the reconciliation ledger like any other.
   */
  async postPaymentLeg(
    reader: Identity,
    submitter: Identity,
    paymentId: string,
    options?: SubmitOptions,
  ): Promise<Committed<PostedLeg[]>> {
    const payment = await this.payment(reader, paymentId);
    const own = payment.legs.filter((l) => l.mspId === submitter.mspId);
    if (own.length === 0)
      throw new LedgerRejected(
        'NOT_A_PARTY',
        `payment ${paymentId} has no leg of ${submitter.mspId}: its banks are ${payment.legs.map((l) => l.mspId).join(' and ')}`,
      );
    return this.gateway.postLegs(submitter, own.map(paymentLegInput), options);
  }
}

/** One leg of a recorded payment as its bank posts it on the reconciliation ledger. */
export function paymentLegInput(l: Wire<PaymentRecord>['legs'][number]): LegInput {
  return {
    amountMinor: l.amountMinor,
    currency: l.currency,
    legId: l.legId,
    outcome: l.outcome,
    payeeRef: l.payeeRef,
    payerRef: l.payerRef,
    reference: l.reference,
    role: l.role,
    route: l.route,
    valueDate: l.valueDate,
  };
}
