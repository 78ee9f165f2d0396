import { createHash } from 'node:crypto';

import type {
  Allowance,
  BlacklistPolicy,
  ConfirmResult,
  DisputeAction,
  DisputeInput,
  DisputeRecord,
  DisputeView,
  EvidenceDelivery,
  EvidenceRequestInput,
  EvidenceRequestRecord,
  EvidenceRequestView,
  PurgeResult,
  Consent,
  EntryView,
  JoinResult,
  MemberRecord,
  PolicyVersion,
  ProposalStep,
  ProposalView,
  QueryRecord,
  QueryResult,
  Severity,
  SubjectReport,
  SubjectRef,
  UploadResult,
} from '../../../chaincode/src/api/blacklist';
import type { HistoryEntry } from '../../../chaincode/src/api/reconciliation';
import { canonicalJson } from '../../../chaincode/src/ledger/codec';
import { LedgerRejected, type Committed, type Identity, type SubmitOptions } from './ledgerGateway';
import type { ContractCall, TransportGateway } from './transportGateway';

/** An entry as a member's node uploads it: the subject already a keyed hash (application/src/blacklist). */
export interface EntryInput {
  readonly subject: SubjectRef;
  readonly category: string;
  readonly severity: Severity;
  readonly indicators: readonly string[];
  readonly evidence: {
    readonly salt: string;
    readonly summary: string;
    readonly documentHashes?: readonly string[];
  };
  /** YYYY-MM-DD; absent: the longest period the category allows. */
  readonly expiresOn?: string;
}

export interface QueryInput {
  /** The subject's keys under every version the node holds (`SubjectKeyring.keysFor`). */
  readonly subjects: readonly SubjectRef[];
  readonly purpose: string;
  readonly consent?: Consent;
}

const CONTRACT = 'blacklist';
const call = (
  name: string,
  args: readonly (string | number)[] = [],
  transient: Record<string, string> = {},
): ContractCall => ({ fcn: `${CONTRACT}:${name}`, args: args.map(String), transient });

/** Evidence received on request, its hash checked on this node against the one the ledger recorded. */
export interface ReceivedEvidence extends EvidenceDelivery {
  readonly receivedHash: string;
  /** The entry's public evidence hash, from the request's decision: equal to receivedHash when verified. */
  readonly verified: true;
}

/**
 * The blacklist's use cases on the ledger, over the same transport, retries and error mapping as the
 * reconciliation gateway. Entries and queries travel in the transient map.
 */
export class BlacklistGateway {
  constructor(private readonly gateway: TransportGateway) {}

  join(who: Identity, options?: SubmitOptions): Promise<Committed<JoinResult>> {
    return this.gateway.submitCall(who, call('join'), options);
  }

  members(who: Identity): Promise<MemberRecord[]> {
    return this.gateway.evaluateCall(who, call('listMembers'));
  }

  upload(who: Identity, entry: EntryInput, options?: SubmitOptions): Promise<Committed<UploadResult[]>> {
    return this.gateway.submitCall(who, call('upload', [], { entry: canonicalJson(entry) }), options);
  }

  uploadBatch(
    who: Identity,
    entries: readonly EntryInput[],
    options?: SubmitOptions,
  ): Promise<Committed<UploadResult[]>> {
    return this.gateway.submitCall(
      who,
      call('uploadBatch', [], { entries: canonicalJson(entries) }),
      options,
    );
  }

  query(who: Identity, q: QueryInput, options?: SubmitOptions): Promise<Committed<QueryResult>> {
    return this.gateway.submitCall(who, call('query', [], { query: canonicalJson(q) }), options);
  }

  subjectReport(
    who: Identity,
    r: { readonly subjects: readonly SubjectRef[]; readonly consent: Consent },
    options?: SubmitOptions,
  ): Promise<Committed<SubjectReport>> {
    return this.gateway.submitCall(who, call('subjectReport', [], { report: canonicalJson(r) }), options);
  }

  queryLog(who: Identity, subjectKey: string): Promise<QueryRecord[]> {
    return this.gateway.evaluateCall(who, call('queryLog', [subjectKey]));
  }

  getEntry(who: Identity, subjectKey: string, uploader: string, category: string): Promise<EntryView> {
    return this.gateway.evaluateCall(who, call('getEntry', [subjectKey, uploader, category]));
  }

  entryHistory(
    who: Identity,
    subjectKey: string,
    uploader: string,
    category: string,
  ): Promise<HistoryEntry[]> {
    return this.gateway.evaluateCall(who, call('getEntryHistory', [subjectKey, uploader, category]));
  }

  ownEvidence(who: Identity, subjectKey: string, category: string): Promise<unknown> {
    return this.gateway.evaluateCall(who, call('getOwnEvidence', [subjectKey, category]));
  }

  proposePolicy(
    who: Identity,
    proposalId: string,
    policy: BlacklistPolicy,
    options?: SubmitOptions,
  ): Promise<Committed<ProposalStep>> {
    return this.gateway.submitCall(who, call('proposePolicy', [proposalId, canonicalJson(policy)]), options);
  }

  approvePolicy(
    who: Identity,
    proposalId: string,
    options?: SubmitOptions,
  ): Promise<Committed<ProposalStep>> {
    return this.gateway.submitCall(who, call('approvePolicy', [proposalId]), options);
  }

  /** A policy version; 0 (default) is the one in force. */
  policy(who: Identity, version = 0): Promise<PolicyVersion> {
    return this.gateway.evaluateCall(who, call('getPolicy', [version]));
  }

  proposal(who: Identity, proposalId: string): Promise<ProposalView> {
    return this.gateway.evaluateCall(who, call('getProposal', [proposalId]));
  }
  /** An institution's allowance today; without `mspId`, the signer's own. */
  allowance(who: Identity, mspId = ''): Promise<Allowance> {
    return this.gateway.evaluateCall(who, call('getAllowance', [mspId]));
  }

  confirmHit(
    who: Identity,
    hit: { queryId: string; subjectKey: string; uploader: string; category: string },
    options?: SubmitOptions,
  ): Promise<Committed<ConfirmResult>> {
    return this.gateway.submitCall(
      who,
      call('confirmHit', [hit.queryId, hit.subjectKey, hit.uploader, hit.category]),
      options,
    );
  }

  openDispute(who: Identity, d: DisputeInput, options?: SubmitOptions): Promise<Committed<DisputeView>> {
    return this.gateway.submitCall(who, call('openDispute', [], { dispute: canonicalJson(d) }), options);
  }

  /** A step of a dispute; `detail` is the evidence hash for MAINTAIN and REVOKE or UPHOLD for VOTE. */
  disputeStep(
    who: Identity,
    disputeId: string,
    action: DisputeAction,
    detail = '',
    options?: SubmitOptions,
  ): Promise<Committed<DisputeView>> {
    return this.gateway.submitCall(who, call('disputeStep', [disputeId, action, detail]), options);
  }

  dispute(who: Identity, disputeId: string): Promise<DisputeRecord> {
    return this.gateway.evaluateCall(who, call('getDispute', [disputeId]));
  }

  purgeEvidence(who: Identity, options?: SubmitOptions): Promise<Committed<PurgeResult[]>> {
    return this.gateway.submitCall(who, call('purgeEvidence'), options);
  }

  requestEvidence(
    who: Identity,
    r: EvidenceRequestInput,
    options?: SubmitOptions,
  ): Promise<Committed<EvidenceRequestView>> {
    return this.gateway.submitCall(who, call('requestEvidence', [], { request: canonicalJson(r) }), options);
  }

  decideEvidenceRequest(
    who: Identity,
    requestId: string,
    decision: 'APPROVE' | 'DECLINE',
    options?: SubmitOptions,
  ): Promise<Committed<EvidenceRequestView>> {
    return this.gateway.submitCall(who, call('decideEvidenceRequest', [requestId, decision]), options);
  }

  evidenceRequest(who: Identity, requestId: string): Promise<EvidenceRequestRecord> {
    return this.gateway.evaluateCall(who, call('getEvidenceRequest', [requestId]));
  }

  /**
   * The evidence of an approved request: the request read from the caller's own peer, the evidence from the
   * uploader's peer (the only one holding it), its hash checked here against the hash the ledger recorded with
   * the approval. A mismatch is refused (EVIDENCE_UNAVAILABLE), never returned.
   */
  async receiveEvidence(who: Identity, requestId: string): Promise<ReceivedEvidence> {
    const request = await this.evidenceRequest(who, requestId);
    const delivered: EvidenceDelivery = await this.gateway.evaluateCall(who, {
      ...call('deliverEvidence', [requestId]),
      peerOrg: request.uploader,
    });
    const receivedHash = createHash('sha256').update(canonicalJson(delivered.evidence)).digest('hex');
    const recorded = request.decision?.deliveredHash ?? null;
    if (recorded === null || receivedHash !== recorded)
      throw new LedgerRejected(
        'EVIDENCE_UNAVAILABLE',
        `the evidence ${request.uploader}'s peer delivered for request ${requestId} hashes to ${receivedHash}, not to the ${String(recorded)} recorded on the ledger: refused`,
      );
    return { ...delivered, deliveredHash: recorded, receivedHash, verified: true };
  }
}
