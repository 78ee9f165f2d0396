import { Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import { fail } from '../core/errors';
import { canonicalJson } from '../ledger/codec';
import * as bl from './blacklist';
import { BlacklistContext } from './blacklistContext';

/**
 * The shared blacklist (docs/BLACKLIST.md). Each transaction loads, asks the core (core/blacklist), writes and
 * emits one `tallystick.blacklist` event. Entries and queries come in the transient map (evidence is private;
 * subject keys are keyed hashes made on the member's node, never identifiers). Results are canonical JSON.
 */
@Info({
  title: 'Tallystick shared blacklist',
  description: 'Keyed-hash subjects listed with provenance, recorded queries, policy under majority',
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
}
