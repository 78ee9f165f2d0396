import type {
  BlacklistPolicy,
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
import type { Committed, Identity, SubmitOptions } from './ledgerGateway';
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
}
