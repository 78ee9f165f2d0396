import type { Actor } from '../actor';
import { fail } from '../errors';
import { parseClientId } from '../reference';
import { byText, sortedCopy } from '../sorted';
import { samePolicy, type BlacklistPolicy, type PolicyVersion } from './policy';

/** An institution that takes part in the blacklist: it joined, through its admin. */
export interface MemberRecord {
  readonly mspId: string;
  readonly joinedAt: string;
  readonly txId: string;
  /** The admin who joined it. */
  readonly by: string;
}

export interface Approval {
  readonly mspId: string;
  readonly name: string;
  readonly at: string;
  readonly txId: string;
}

export const PROPOSAL_STATUSES = ['OPEN', 'ADOPTED', 'SUPERSEDED'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/**
 * A proposed policy: a whole policy (not a difference), against the version in force when it was proposed. It
 * takes effect as the next version once more than half of the member institutions approved it; when another
 * proposal is adopted first it is SUPERSEDED (it would undo that one's changes) and must be proposed again.
 */
export interface ProposalRecord {
  readonly proposalId: string;
  readonly baseVersion: number;
  readonly policy: BlacklistPolicy;
  readonly proposedBy: { readonly mspId: string; readonly name: string; readonly id: string };
  readonly proposedAt: string;
  readonly txId: string;
  /** One approval per institution, in the order given. */
  readonly approvals: readonly Approval[];
  /** OPEN or ADOPTED as stored; SUPERSEDED is derived (proposalStatus). */
  readonly status: Exclude<ProposalStatus, 'SUPERSEDED'>;
  readonly adoptedVersion: number | null;
  /** The hash of what was proposed (the same proposal id again with the same policy changes nothing). */
  readonly inputHash: string;
}

export function parseProposalId(value: unknown): string {
  return parseClientId(value, 'proposalId');
}

/** The proposal's status: OPEN while the version it was made against is in force. */
export function proposalStatus(p: ProposalRecord, current: PolicyVersion): ProposalStatus {
  if (p.status === 'ADOPTED') return 'ADOPTED';
  return p.baseVersion === current.version ? 'OPEN' : 'SUPERSEDED';
}

/** More than half of the member institutions: with 4 members, 3; with 5, 3. */
export function majorityOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

export function requireMember(members: readonly MemberRecord[], mspId: string, what: string): void {
  if (!members.some((m) => m.mspId === mspId))
    fail('NOT_A_MEMBER', `${what}: ${mspId} has not joined the blacklist (its admin joins it)`);
}

export interface ProposalMeta {
  readonly actor: Actor;
  readonly at: string;
  readonly txId: string;
  readonly inputHash: string;
}

/**
 * A new proposal (the caller's role and membership are checked by the contract through the access table). The
 * same id again: the same proposal gives back the stored one (UNCHANGED), another is IDEMPOTENCY_CONFLICT.
 */
export function decideProposal(
  existing: ProposalRecord | undefined,
  proposalId: string,
  policy: BlacklistPolicy,
  current: PolicyVersion,
  meta: ProposalMeta,
): { outcome: 'PROPOSED' | 'UNCHANGED'; proposal: ProposalRecord } {
  if (existing !== undefined) {
    if (existing.inputHash !== meta.inputHash)
      fail(
        'IDEMPOTENCY_CONFLICT',
        `proposal ${proposalId} was already made with other content (tx ${existing.txId})`,
      );
    return { outcome: 'UNCHANGED', proposal: existing };
  }
  if (samePolicy(policy, current.policy))
    fail(
      'INVALID_INPUT',
      `the proposed policy is the policy in force (version ${current.version}): it changes nothing`,
    );
  return {
    outcome: 'PROPOSED',
    proposal: {
      adoptedVersion: null,
      approvals: [],
      baseVersion: current.version,
      inputHash: meta.inputHash,
      policy,
      proposalId,
      proposedAt: meta.at,
      proposedBy: { id: meta.actor.id, mspId: meta.actor.mspId, name: meta.actor.name },
      status: 'OPEN',
      txId: meta.txId,
    },
  };
}

export type ApprovalDecision =
  | { readonly outcome: 'UNCHANGED'; readonly proposal: ProposalRecord }
  | { readonly outcome: 'APPROVED'; readonly proposal: ProposalRecord }
  | { readonly outcome: 'ADOPTED'; readonly proposal: ProposalRecord; readonly version: PolicyVersion };

/**
 * An approver's approval of an open proposal, for its institution. An institution approves once (a second
 * approval from it changes nothing); the proposer cannot approve their own proposal. When the approvals of
 * institutions that are members now reach a majority of the members now, the proposal is adopted: the next
 * version, with every earlier one kept.
 */
export function decideApproval(
  proposal: ProposalRecord,
  current: PolicyVersion,
  members: readonly MemberRecord[],
  meta: Omit<ProposalMeta, 'inputHash'>,
): ApprovalDecision {
  const status = proposalStatus(proposal, current);
  if (status === 'ADOPTED')
    fail(
      'ALREADY_DECIDED',
      `proposal ${proposal.proposalId} was adopted as version ${String(proposal.adoptedVersion)}`,
    );
  if (status === 'SUPERSEDED')
    fail(
      'ALREADY_DECIDED',
      `proposal ${proposal.proposalId} was made against version ${proposal.baseVersion}, but version ${current.version} is in force now: propose it again`,
    );
  requireMember(members, meta.actor.mspId, 'approving a policy');
  if (meta.actor.id === proposal.proposedBy.id)
    fail('SELF_APPROVAL', `${meta.actor.name} proposed ${proposal.proposalId} and cannot also approve it`);
  if (proposal.approvals.some((a) => a.mspId === meta.actor.mspId)) return { outcome: 'UNCHANGED', proposal };
  const approvals = [
    ...proposal.approvals,
    { at: meta.at, mspId: meta.actor.mspId, name: meta.actor.name, txId: meta.txId },
  ];
  const memberIds = new Set(members.map((m) => m.mspId));
  const counted = sortedCopy(
    approvals.filter((a) => memberIds.has(a.mspId)).map((a) => a.mspId),
    byText,
  );
  if (counted.length < majorityOf(members.length))
    return { outcome: 'APPROVED', proposal: { ...proposal, approvals } };
  const version: PolicyVersion = {
    adoptedAt: meta.at,
    approvedBy: counted,
    membersAtAdoption: members.length,
    policy: proposal.policy,
    proposalId: proposal.proposalId,
    txId: meta.txId,
    version: current.version + 1,
  };
  return {
    outcome: 'ADOPTED',
    proposal: { ...proposal, adoptedVersion: version.version, approvals, status: 'ADOPTED' },
    version,
  };
}
