/** What the blacklist contract's transactions return, for applications (they import these, never contract/). */
import type { EntryRecord, EntryStatus } from '../core/blacklist/entry';
import type { PolicyVersion } from '../core/blacklist/policy';
import type { MemberRecord, ProposalRecord, ProposalStatus } from '../core/blacklist/proposal';

export type { BlacklistOperation } from '../core/blacklist/access';
export type {
  EntryRecord,
  EntryStatus,
  Evidence,
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
