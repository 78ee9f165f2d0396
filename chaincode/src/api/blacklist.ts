/** What the blacklist contract's transactions return, for applications (they import these, never contract/). */
import type { DisputeRecord } from '../core/blacklist/dispute';
import type { EntryRecord, EntryStatus, Evidence } from '../core/blacklist/entry';
import type { EvidenceRequestRecord } from '../core/blacklist/evidenceRequest';
import type { PolicyVersion } from '../core/blacklist/policy';
import type { MemberRecord, ProposalRecord, ProposalStatus } from '../core/blacklist/proposal';

export type { BlacklistOperation } from '../core/blacklist/access';
export type {
  EntryRecord,
  EntryStatus,
  Evidence,
  EvidencePurge,
  Revocation,
  Severity,
  SubjectRef,
  UploadResult,
} from '../core/blacklist/entry';
export type { BlacklistPolicy, PolicyVersion } from '../core/blacklist/policy';
export type { MemberRecord, ProposalRecord, ProposalStatus } from '../core/blacklist/proposal';
export type {
  Consent,
  CrossValidation,
  EntryHit,
  Look,
  QueryRecord,
  QueryResult,
  SubjectReport,
} from '../core/blacklist/query';

/** An entry read by its key (its uploader or an auditor): the record, with its status on the ledger's day. */
export interface EntryView {
  readonly entry: EntryRecord;
  readonly status: EntryStatus;
}

/** Joining: JOINED, or UNCHANGED when the institution had joined already. */
export interface JoinResult {
  readonly outcome: 'JOINED' | 'UNCHANGED';
  readonly member: MemberRecord;
}

/** A proposal as read: the record and its status against the version in force. */
export interface ProposalView {
  readonly proposal: ProposalRecord;
  readonly status: ProposalStatus;
}

/** What a proposal or an approval did; `version` is the policy version it adopted, if it adopted one. */
export interface ProposalStep extends ProposalView {
  readonly outcome: 'PROPOSED' | 'UNCHANGED' | 'APPROVED' | 'ADOPTED';
  readonly version: PolicyVersion | null;
}

export type { Allowance, Period } from '../core/blacklist/metering';
export type {
  DisputeAction,
  DisputeInput,
  DisputeRecord,
  DisputeStatus,
  DisputeStep,
  VoteChoice,
} from '../core/blacklist/dispute';
export type {
  EvidenceRequestInput,
  EvidenceRequestRecord,
  EvidenceRequestStatus,
} from '../core/blacklist/evidenceRequest';

/** A dispute after a step: OPENED or RECORDED, or UNCHANGED when the same step had been taken already. */
export interface DisputeView {
  readonly outcome: 'OPENED' | 'RECORDED' | 'UNCHANGED';
  readonly dispute: DisputeRecord;
}

/** One revoked entry whose private evidence a purgeEvidence transaction purged; its public hash stays. */
export interface PurgeResult {
  readonly subjectKey: string;
  readonly category: string;
  readonly disputeId: string;
  readonly evidenceHash: string;
}

/** A confirmed hit: the institutions that confirmed the entry so far. */
export interface ConfirmResult {
  readonly outcome: 'CONFIRMED' | 'UNCHANGED';
  readonly subjectKey: string;
  readonly uploader: string;
  readonly category: string;
  readonly confirmedBy: readonly string[];
}

export interface EvidenceRequestView {
  readonly outcome: 'REQUESTED' | 'APPROVED' | 'DECLINED' | 'UNCHANGED';
  readonly request: EvidenceRequestRecord;
}

/** The evidence of an approved request as the uploader's peer delivers it, with the hash the ledger recorded. */
export interface EvidenceDelivery {
  readonly requestId: string;
  readonly deliveredHash: string | null;
  readonly evidence: Evidence;
}
