import { hasAnyRole, ROLES, type Actor, type Role } from '../actor';
import { fail } from '../errors';

/**
 * Who may do what on the blacklist: the one table the contract (and later HTTP and the console) ask. Roles come
 * from the signer's certificate attributes (core/actor.ts); membership of the institution is checked apart
 * (proposal.ts: requireMember) for the operations marked so.
 */
export const BLACKLIST_OPERATIONS = [
  'JOIN',
  'UPLOAD',
  'QUERY',
  'SUBJECT_REPORT',
  'READ_ENTRY',
  'READ_QUERY_LOG',
  'PROPOSE_POLICY',
  'APPROVE_POLICY',
  'READ_POLICY',
  'READ_ALLOWANCE',
  'CONFIRM_HIT',
  'DISPUTE',
  'DISPUTE_STEP',
  'VOTE',
  'READ_DISPUTE',
  'PURGE_EVIDENCE',
  'REQUEST_EVIDENCE',
  'DECIDE_EVIDENCE_REQUEST',
  'READ_EVIDENCE_REQUEST',
  'RECEIVE_EVIDENCE',
] as const;
export type BlacklistOperation = (typeof BLACKLIST_OPERATIONS)[number];

export interface OperationRule {
  readonly roles: readonly Role[];
  /** Whether the signer's institution must have joined the blacklist. */
  readonly member: boolean;
  readonly what: string;
}

export const BLACKLIST_ACCESS = {
  // An institution joins through its admin; everything else it does on the blacklist needs it to have joined.
  JOIN: { roles: ['admin'], member: false, what: 'joining the blacklist' },
  // Listing and looking up: the institution's systems (bulk files, screening) and its staff.
  UPLOAD: { roles: ['submitter', 'reconciler'], member: true, what: 'uploading entries' },
  QUERY: { roles: ['submitter', 'reconciler'], member: true, what: 'querying the blacklist' },
  SUBJECT_REPORT: { roles: ['reconciler'], member: true, what: "a subject's report" },
  // An entry read by its key is a look without a query record: only its uploader (its own entries) and auditors.
  READ_ENTRY: { roles: [...ROLES], member: false, what: 'reading an entry' },
  READ_QUERY_LOG: { roles: ['auditor'], member: false, what: 'reading the query log' },
  // Policy: proposed by an admin, approved by an approver of each institution (two people, two roles).
  PROPOSE_POLICY: { roles: ['admin'], member: true, what: 'proposing a policy' },
  APPROVE_POLICY: { roles: ['approver'], member: true, what: 'approving a policy' },
  READ_POLICY: { roles: [...ROLES], member: false, what: 'reading the policy' },
  // Metering (item 4): an institution's own allowance (an auditor's: any institution's).
  READ_ALLOWANCE: { roles: [...ROLES], member: false, what: 'reading an allowance' },
  CONFIRM_HIT: { roles: ['submitter', 'reconciler'], member: true, what: 'confirming a hit' },
  // Disputes (item 6): staff who verified the subject dispute and answer; approvers vote for the institution.
  DISPUTE: { roles: ['reconciler'], member: true, what: 'disputing an entry' },
  DISPUTE_STEP: { roles: ['reconciler'], member: true, what: 'answering, contesting or closing a dispute' },
  VOTE: { roles: ['approver'], member: true, what: 'voting on a dispute' },
  READ_DISPUTE: { roles: [...ROLES], member: false, what: 'reading a dispute' },
  PURGE_EVIDENCE: { roles: ['submitter', 'reconciler'], member: true, what: 'purging revoked evidence' },
  // Evidence on request (item 7): staff ask and read; the uploader's approver decides to disclose.
  REQUEST_EVIDENCE: { roles: ['reconciler'], member: true, what: 'requesting evidence' },
  DECIDE_EVIDENCE_REQUEST: { roles: ['approver'], member: true, what: 'deciding an evidence request' },
  READ_EVIDENCE_REQUEST: { roles: [...ROLES], member: false, what: 'reading an evidence request' },
  RECEIVE_EVIDENCE: { roles: ['reconciler'], member: true, what: 'receiving requested evidence' },
} as const satisfies Record<BlacklistOperation, OperationRule>;

/** Refuses with ROLE_REQUIRED an actor without a role the operation needs (membership is checked apart). */
export function requireBlacklistRole(actor: Actor, operation: BlacklistOperation): void {
  const rule: OperationRule = BLACKLIST_ACCESS[operation];
  if (!hasAnyRole(actor, rule.roles))
    fail(
      'ROLE_REQUIRED',
      `${rule.what} needs the role ${rule.roles.join(' or ')}; ${actor.name} of ${actor.mspId} has ${actor.roles.join(', ') || 'none'}`,
    );
}

/** Whether an actor may read an entry of `uploader` by its key: its own institution's, or any as an auditor. */
export function mayReadEntry(actor: Actor, uploader: string): boolean {
  return actor.mspId === uploader || hasAnyRole(actor, ['auditor']);
}

/** Whether an actor may read an evidence request: its two institutions, or an auditor. */
export function mayReadEvidenceRequest(actor: Actor, requester: string, uploader: string): boolean {
  return actor.mspId === requester || actor.mspId === uploader || hasAnyRole(actor, ['auditor']);
}

/** Whether an actor may read an institution's allowance: its own, or any as an auditor. */
export function mayReadAllowance(actor: Actor, mspId: string): boolean {
  return actor.mspId === mspId || hasAnyRole(actor, ['auditor']);
}
