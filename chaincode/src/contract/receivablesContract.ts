import { Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import { canonicalJson } from '../ledger/codec';
import * as rcv from './receivables';
import { ReceivablesContext } from './receivablesContext';

/** The node's keyed hashes of the enterprises a step screens (transient `screening`, optional: none to screen). */
function screeningOf(ctx: ReceivablesContext): unknown {
  return ctx.transient('screening') === undefined ? undefined : ctx.transientJson('screening');
}

/**
 * Supply-chain receivable tokens (docs/RECEIVABLES.md). Each transaction loads, asks the core
 * (core/receivables), writes to the `receivables` private collection and emits one `tallystick.receivables`
 * event of ids and statuses. Inputs that carry amounts, parties or documents' hashes come in the transient
 * map; ids come as arguments. Results are canonical JSON (amounts as decimal strings).
 */
@Info({
  title: 'Tallystick receivables',
  description: 'Trades, receivable tokens split and transferred as unspent parts, financing, maturity',
})
export class ReceivablesContract extends Contract {
  constructor() {
    super('receivables');
  }

  override createContext(): ReceivablesContext {
    return new ReceivablesContext();
  }

  override async afterTransaction(ctx: ReceivablesContext): Promise<void> {
    await ctx.finishReceivables();
  }

  /** The buyer's finance registers a trade (transient `trade`). */
  @Transaction()
  @Returns('string')
  async registerTrade(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.registerTrade(ctx, ctx.transientJson('trade')));
  }

  /** The seller confirms a trade. */
  @Transaction()
  @Returns('string')
  async confirmTrade(ctx: ReceivablesContext, tradeId: string): Promise<string> {
    return canonicalJson(await rcv.confirmTrade(ctx, tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async getTrade(ctx: ReceivablesContext, tradeId: string): Promise<string> {
    return canonicalJson(await rcv.getTrade(ctx, tradeId));
  }

  /** The core enterprise's finance proposes an issue (transient `issue`). */
  @Transaction()
  @Returns('string')
  async proposeIssue(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.proposeIssue(ctx, ctx.transientJson('issue')));
  }

  /** An approver of the core enterprise, not the proposer, signs: the token is issued. */
  @Transaction()
  @Returns('string')
  async signIssue(ctx: ReceivablesContext, tokenId: string): Promise<string> {
    return canonicalJson(await rcv.signIssue(ctx, tokenId));
  }

  /** The supplier accepts (`ACCEPT`) or declines (`DECLINE`, with a reason) a signed token. */
  @Transaction()
  @Returns('string')
  async answerIssue(
    ctx: ReceivablesContext,
    tokenId: string,
    answer: string,
    reason: string,
  ): Promise<string> {
    return canonicalJson(await rcv.answerIssue(ctx, tokenId, answer, reason));
  }

  @Transaction(false)
  @Returns('string')
  async getToken(ctx: ReceivablesContext, tokenId: string): Promise<string> {
    return canonicalJson(await rcv.getToken(ctx, tokenId));
  }

  /** The holder's finance proposes a split and/or transfer (transient `move`). */
  @Transaction()
  @Returns('string')
  async proposeMove(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.proposeMove(ctx, ctx.transientJson('move')));
  }

  /** An approver of the holder, not the proposer, signs: the part is spent and its outputs created. */
  @Transaction()
  @Returns('string')
  async signMove(ctx: ReceivablesContext, moveId: string): Promise<string> {
    return canonicalJson(await rcv.signMove(ctx, moveId, screeningOf(ctx)));
  }

  /** The enterprises a step would screen (MOVE: a proposed move's id; OFFER: an offered part's id), for the node to hash. */
  @Transaction(false)
  @Returns('string')
  async screeningSubjects(ctx: ReceivablesContext, kind: string, id: string): Promise<string> {
    return canonicalJson(await rcv.screeningSubjects(ctx, kind, id));
  }

  @Transaction(false)
  @Returns('string')
  async getMove(ctx: ReceivablesContext, moveId: string): Promise<string> {
    return canonicalJson(await rcv.getMove(ctx, moveId));
  }

  @Transaction(false)
  @Returns('string')
  async getPart(ctx: ReceivablesContext, partId: string): Promise<string> {
    return canonicalJson(await rcv.getPart(ctx, partId));
  }

  /** The holder offers a part to a bank (transient `offer`: { offerId, partId, bank }). */
  @Transaction()
  @Returns('string')
  async offerFinancing(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.offerFinancing(ctx, ctx.transientJson('offer')));
  }

  @Transaction()
  @Returns('string')
  async withdrawOffer(ctx: ReceivablesContext, partId: string): Promise<string> {
    return canonicalJson(await rcv.withdrawOffer(ctx, partId));
  }

  /** The offered bank's financier accepts with terms or declines (transient `answer`). */
  @Transaction()
  @Returns('string')
  async answerFinancing(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.answerFinancing(ctx, ctx.transientJson('answer'), screeningOf(ctx)));
  }

  @Transaction(false)
  @Returns('string')
  async getFinancing(ctx: ReceivablesContext, partId: string): Promise<string> {
    return canonicalJson(await rcv.getFinancing(ctx, partId));
  }

  /** The core enterprise's finance records a payment of a part at maturity (transient `payment`). */
  @Transaction()
  @Returns('string')
  async recordPayment(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.recordPayment(ctx, ctx.transientJson('payment')));
  }

  @Transaction(false)
  @Returns('string')
  async getPayment(ctx: ReceivablesContext, paymentId: string): Promise<string> {
    return canonicalJson(await rcv.getPayment(ctx, paymentId));
  }

  /** Marks parts unpaid after maturity OVERDUE, on ledger time. */
  @Transaction()
  @Returns('string')
  async sweepOverdue(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.sweepOverdue(ctx));
  }

  /** A governing bank's admin proposes a whole receivables policy (JSON) against the version in force. */
  @Transaction()
  @Returns('string')
  async proposePolicy(ctx: ReceivablesContext, proposalId: string, policy: string): Promise<string> {
    return canonicalJson(await rcv.proposePolicy(ctx, proposalId, policy));
  }

  /** A governing bank's approver approves; the approval that makes a majority of the governors adopts it. */
  @Transaction()
  @Returns('string')
  async approvePolicy(ctx: ReceivablesContext, proposalId: string): Promise<string> {
    return canonicalJson(await rcv.approvePolicy(ctx, proposalId));
  }

  /** A version of the receivables policy (0: the one in force; 1: the genesis). */
  @Transaction(false)
  @Returns('string')
  async getPolicy(ctx: ReceivablesContext, version: string): Promise<string> {
    return canonicalJson(await rcv.getPolicy(ctx, version));
  }

  /** The receivables policy proposals with their status. */
  @Transaction(false)
  @Returns('string')
  async listPolicyProposals(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.listPolicyProposals(ctx));
  }

  /** For a node's index: the records an event named (transient `refs`), as the reader may index them. */
  @Transaction(false)
  @Returns('string')
  async indexRecords(ctx: ReceivablesContext): Promise<string> {
    return canonicalJson(await rcv.indexRecords(ctx, ctx.transientJson('refs')));
  }

  /** For checking a node's index: one page of a kind's records after an id, as the reader may index them. */
  @Transaction(false)
  @Returns('string')
  async listForIndex(ctx: ReceivablesContext, kind: string, after: string, limit: string): Promise<string> {
    return canonicalJson(await rcv.listForIndex(ctx, kind, after, limit));
  }
}
