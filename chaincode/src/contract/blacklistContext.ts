import { TallyContext } from './context';
import {
  BLACKLIST_CHANGES_EVENT,
  encodeBlacklistChanges,
  type DisputeChange,
  type EntryChange,
  type EvidenceRequestChange,
  type ProposalChange,
  type QueryChange,
} from '../ledger/blacklistEvents';

/**
 * The blacklist contract's context: the transaction context (actor, ledger time, reads that see the
 * transaction's own writes) and what the transaction changed on the blacklist, emitted as its one event.
 */
export class BlacklistContext extends TallyContext {
  private readonly entryChanges: EntryChange[] = [];
  private readonly queryChanges: QueryChange[] = [];
  private readonly memberChanges: string[] = [];
  private readonly proposalChanges: ProposalChange[] = [];
  private adoptedVersion: number | null = null;
  private readonly disputeChanges: DisputeChange[] = [];
  private readonly requestChanges: EvidenceRequestChange[] = [];

  recordDispute(change: DisputeChange): void {
    this.disputeChanges.push(change);
  }

  recordEvidenceRequest(change: EvidenceRequestChange): void {
    this.requestChanges.push(change);
  }

  /** Purges a private value (Fabric 2.5: the value and its history leave every peer's store; the hash stays in blocks). */
  async purgePrivate(collection: string, key: string): Promise<void> {
    await this.stub.purgePrivateData(collection, key);
  }

  recordEntry(change: EntryChange): void {
    this.entryChanges.push(change);
  }

  recordQuery(change: QueryChange): void {
    this.queryChanges.push(change);
  }

  recordMember(mspId: string): void {
    this.memberChanges.push(mspId);
  }

  recordProposal(change: ProposalChange, adoptedVersion: number | null): void {
    this.proposalChanges.push(change);
    if (adoptedVersion !== null) this.adoptedVersion = adoptedVersion;
  }

  emitBlacklistChanges(): void {
    if (
      this.entryChanges.length === 0 &&
      this.queryChanges.length === 0 &&
      this.memberChanges.length === 0 &&
      this.proposalChanges.length === 0 &&
      this.disputeChanges.length === 0 &&
      this.requestChanges.length === 0
    )
      return;
    this.stub.setEvent(
      BLACKLIST_CHANGES_EVENT,
      encodeBlacklistChanges({
        at: this.nowIso,
        entries: this.entryChanges,
        ...(this.disputeChanges.length > 0 ? { disputes: this.disputeChanges } : {}),
        ...(this.requestChanges.length > 0 ? { evidenceRequests: this.requestChanges } : {}),
        members: this.memberChanges,
        policyVersion: this.adoptedVersion,
        proposals: this.proposalChanges,
        queries: this.queryChanges,
        txId: this.txId,
      }),
    );
  }
}
