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
