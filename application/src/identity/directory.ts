import type { Role } from '../../../chaincode/src/core/actor';
import type { ConsortiumOrganisation } from '../ledger/consortium';

/**
 * The people of the node's institution who work breaks: its reconcilers and approvers, by enrolment id. A break
 * is assigned only to one of them (the ledger cannot tell: an assignee is a name sealed for the parties, and no
 * member's people are on the ledger). The node knows them from its institution's register, the consortium file
 * both backends enrol from (network/consortium.json: the embedded CA and fabric-ca register the same people).
 */
export interface PersonDirectory {
  /** Whether `enrollmentId` is one of the institution's reconcilers or approvers. */
  isStaff(enrollmentId: string): boolean;
  /** Every one of them, sorted. */
  staff(): readonly string[];
}

const STAFF_ROLES: readonly Role[] = ['reconciler', 'approver'];

export function directoryOf(org: Pick<ConsortiumOrganisation, 'users'>): PersonDirectory {
  const staff = org.users
    .filter((u) => u.roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r)))
    .map((u) => u.id)
    .sort();
  const known = new Set(staff);
  return { isStaff: (id) => known.has(id), staff: () => staff };
}
