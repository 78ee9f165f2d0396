import { Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import { fail } from '../core/errors';
import { canonicalJson } from '../ledger/codec';
import * as bl from './blacklist';
import { BlacklistContext } from './blacklistContext';
import * as disputes from './blacklistDisputes';
import * as hits from './blacklistHits';

/**
 * The shared blacklist (docs/BLACKLIST.md). Each transaction loads, asks the core (core/blacklist), writes and
 * emits one `tallystick.blacklist` event. Entries and queries come in the transient map (evidence is private;
 * subject keys are keyed hashes made on the member's node, never identifiers). Results are canonical JSON.
 */
@Info({
  title: 'Tallystick shared blacklist',
  description:
    'Keyed-hash subjects listed with provenance, recorded and metered queries, disputes, evidence on request, policy under majority',
})
export class BlacklistContract extends Contract {
  constructor() {
    super('blacklist');
  }

  override createContext(): BlacklistContext {
    return new BlacklistContext();
  }

  override async afterTransaction(ctx: BlacklistContext): Promise<void> {
    ctx.emitBlacklistChanges();
    await Promise.resolve();
  }

  /** The signer's institution joins the blacklist (its admin). */
  @Transaction()
  @Returns('string')
  async join(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await bl.join(ctx));
  }

  @Transaction(false)
  @Returns('string')
  async listMembers(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await bl.listMembers(ctx));
  }

  /** Lists one entry (transient `entry`). */
  @Transaction()
  @Returns('string')
  async upload(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await bl.upload(ctx, [ctx.transientJson('entry')]));
  }

  /** Lists a batch of entries (transient `entries`, a JSON array), all or nothing. */
  @Transaction()
  @Returns('string')
  async uploadBatch(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await bl.upload(ctx, ctx.transientJson('entries')));
  }

  /** A recorded query (transient `query`: { subjects, purpose, consent }). Submit it: the record is the point. */
  @Transaction()
  @Returns('string')
  async query(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await bl.query(ctx, ctx.transientJson('query')));
  }

  /** The subject's report (transient `report`: { subjects, consent }), recorded like a query. */
  @Transaction()
  @Returns('string')
  async subjectReport(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await bl.report(ctx, ctx.transientJson('report')));
  }

  /** Every recorded query of a subject key (auditors). */
  @Transaction(false)
  @Returns('string')
  async queryLog(ctx: BlacklistContext, subjectKey: string): Promise<string> {
    return canonicalJson(await bl.queryLog(ctx, subjectKey));
  }

  /** An entry by its key: its uploader's own, or any for an auditor. */
  @Transaction(false)
  @Returns('string')
  async getEntry(
    ctx: BlacklistContext,
    subjectKey: string,
    uploader: string,
    category: string,
  ): Promise<string> {
    return canonicalJson(await bl.getEntry(ctx, subjectKey, uploader, category));
  }

  /** Every version of an entry, newest first: its uploader's own, or any for an auditor. */
  @Transaction(false)
  @Returns('string')
  async getEntryHistory(
    ctx: BlacklistContext,
    subjectKey: string,
    uploader: string,
    category: string,
  ): Promise<string> {
    return canonicalJson(await bl.entryHistory(ctx, subjectKey, uploader, category));
  }

  /** The signer's institution's own evidence of one of its entries (its implicit collection). */
  @Transaction(false)
  @Returns('string')
  async getOwnEvidence(ctx: BlacklistContext, subjectKey: string, category: string): Promise<string> {
    return canonicalJson(await bl.ownEvidence(ctx, subjectKey, category));
  }

  /** Proposes a whole policy (`policy`: JSON) under a client-chosen id, against the version in force. */
  @Transaction()
  @Returns('string')
  async proposePolicy(ctx: BlacklistContext, proposalId: string, policy: string): Promise<string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policy);
    } catch {
      fail('INVALID_INPUT', 'policy is not JSON');
    }
    return canonicalJson(await bl.proposePolicy(ctx, proposalId, parsed));
  }

  /** The signer's institution approves a proposal (an approver); a majority of members adopts it. */
  @Transaction()
  @Returns('string')
  async approvePolicy(ctx: BlacklistContext, proposalId: string): Promise<string> {
    return canonicalJson(await bl.approvePolicy(ctx, proposalId));
  }

  /** A policy version; 0 is the one in force. */
  @Transaction(false)
  @Returns('string')
  async getPolicy(ctx: BlacklistContext, version: number): Promise<string> {
    return canonicalJson(await bl.getPolicy(ctx, version));
  }

  @Transaction(false)
  @Returns('string')
  async getProposal(ctx: BlacklistContext, proposalId: string): Promise<string> {
    return canonicalJson(await bl.getProposal(ctx, proposalId));
  }
  /** An institution's query allowance today (`mspId` empty: the signer's own; another's for auditors). */
  @Transaction(false)
  @Returns('string')
  async getAllowance(ctx: BlacklistContext, mspId: string): Promise<string> {
    return canonicalJson(await hits.getAllowance(ctx, mspId));
  }

  /** The querier's institution confirms a hit of its recorded query `queryId`. */
  @Transaction()
  @Returns('string')
  async confirmHit(
    ctx: BlacklistContext,
    queryId: string,
    subjectKey: string,
    uploader: string,
    category: string,
  ): Promise<string> {
    return canonicalJson(await hits.confirmHit(ctx, queryId, subjectKey, uploader, category));
  }

  /** Disputes an entry on a subject's behalf (transient `dispute`: { disputeId, subjectKey, uploader, category, requestHash }). */
  @Transaction()
  @Returns('string')
  async openDispute(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await disputes.openDispute(ctx, ctx.transientJson('dispute')));
  }

  /** A step of a dispute: MAINTAIN (detail: evidence hash), RETRACT, WITHDRAW, CONTEST, VOTE (REVOKE/UPHOLD), CLOSE. */
  @Transaction()
  @Returns('string')
  async disputeStep(
    ctx: BlacklistContext,
    disputeId: string,
    action: string,
    detail: string,
  ): Promise<string> {
    return canonicalJson(await disputes.disputeStep(ctx, disputeId, action, detail));
  }

  @Transaction(false)
  @Returns('string')
  async getDispute(ctx: BlacklistContext, disputeId: string): Promise<string> {
    return canonicalJson(await disputes.getDispute(ctx, disputeId));
  }

  /** Purges the evidence of the signer's institution's revoked entries that await it. */
  @Transaction()
  @Returns('string')
  async purgeEvidence(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await disputes.purgeEvidence(ctx));
  }

  /** Asks an entry's uploader for its evidence after a hit (transient `request`). */
  @Transaction()
  @Returns('string')
  async requestEvidence(ctx: BlacklistContext): Promise<string> {
    return canonicalJson(await hits.requestEvidence(ctx, ctx.transientJson('request')));
  }

  /** The uploader's decision on a request: APPROVE or DECLINE. */
  @Transaction()
  @Returns('string')
  async decideEvidenceRequest(ctx: BlacklistContext, requestId: string, decision: string): Promise<string> {
    return canonicalJson(await hits.decideRequest(ctx, requestId, decision));
  }

  @Transaction(false)
  @Returns('string')
  async getEvidenceRequest(ctx: BlacklistContext, requestId: string): Promise<string> {
    return canonicalJson(await hits.getEvidenceRequest(ctx, requestId));
  }

  /** The evidence of an approved request, for its requester; evaluate it on the uploader's peer. */
  @Transaction(false)
  @Returns('string')
  async deliverEvidence(ctx: BlacklistContext, requestId: string): Promise<string> {
    return canonicalJson(await hits.deliverEvidence(ctx, requestId));
  }
}
