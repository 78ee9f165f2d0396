import { fail } from '../errors';
import { parseClientId } from '../reference';
import {
  decideVote,
  decideVotedProposal,
  votedProposalStatus,
  type Approval,
  type ProposalMeta,
  type ProposalRules,
  VOTED_PROPOSAL_STATUSES,
  type VotedProposal,
  type VoteDecision,
  type VotedProposalStatus,
} from '../proposalVote';
import { samePolicy, type BlacklistPolicy, type PolicyVersion } from './policy';

/** An institution that takes part in the blacklist: it joined, through its admin. */
export interface MemberRecord {
  readonly mspId: string;
  readonly joinedAt: string;
  readonly txId: string;
  /** The admin who joined it. */
  readonly by: string;
}

export const PROPOSAL_STATUSES = VOTED_PROPOSAL_STATUSES;
export type ProposalStatus = VotedProposalStatus;
export { majorityOf, type Approval, type ProposalMeta } from '../proposalVote';

/**
 * A proposed policy: a whole policy (not a difference), against the version in force when it was proposed. It
 * takes effect as the next version once more than half of the member institutions approved it; when another
 * proposal is adopted first it is SUPERSEDED (it would undo that one's changes) and must be proposed again. The
 * voting itself is the one every governed policy shares (../proposalVote.ts).
 */
export type ProposalRecord = VotedProposal<BlacklistPolicy, Approval>;

export function parseProposalId(value: unknown): string {
  return parseClientId(value, 'proposalId');
}

/** The proposal's status: OPEN while the version it was made against is in force. */
export function proposalStatus(p: ProposalRecord, current: PolicyVersion): ProposalStatus {
  return votedProposalStatus(p, current.version);
}

const notAMember = (what: string, mspId: string): string =>
  `${what}: ${mspId} has not joined the blacklist (its admin joins it)`;

export function requireMember(members: readonly MemberRecord[], mspId: string, what: string): void {
  if (!members.some((m) => m.mspId === mspId)) fail('NOT_A_MEMBER', notAMember(what, mspId));
}

const PROPOSAL_RULES: ProposalRules<BlacklistPolicy> = {
  changesNothing: (version) =>
    `the proposed policy is the policy in force (version ${version}): it changes nothing`,
  conflict: (proposalId, txId) => `proposal ${proposalId} was already made with other content (tx ${txId})`,
  same: samePolicy,
};

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
  return decideVotedProposal(existing, proposalId, policy, current, meta, PROPOSAL_RULES);
}

export type ApprovalDecision = VoteDecision<ProposalRecord, PolicyVersion>;

/**
 * An approver's approval of an open proposal, for its institution. An institution approves once (a second
 * approval from it changes nothing); the proposer cannot approve their own proposal (even when their institution
 * has approved already). When the approvals of institutions that are members now reach a majority of the members
 * now, the proposal is adopted: the next version, with every earlier one kept.
 */
export function decideApproval(
  proposal: ProposalRecord,
  current: PolicyVersion,
  members: readonly MemberRecord[],
  meta: Omit<ProposalMeta, 'inputHash'>,
): ApprovalDecision {
  const decision = decideVote(proposal, current, meta, {
    adopted: (p) => `proposal ${p.proposalId} was adopted as version ${String(p.adoptedVersion)}`,
    approval: (m): Approval => ({ at: m.at, mspId: m.actor.mspId, name: m.actor.name, txId: m.txId }),
    notAVoter: { code: 'NOT_A_MEMBER', message: (mspId) => notAMember('approving a policy', mspId) },
    repeatBeforeSelf: false,
    selfApproval: (p, actor) => `${actor.name} proposed ${p.proposalId} and cannot also approve it`,
    superseded: (p, version) =>
      `proposal ${p.proposalId} was made against version ${p.baseVersion}, but version ${version} is in force now: propose it again`,
    voters: members.map((m) => m.mspId),
  });
  if (decision.outcome !== 'ADOPTED') return decision;
  return {
    outcome: 'ADOPTED',
    proposal: decision.proposal,
    version: { ...decision.version, membersAtAdoption: members.length },
  };
}
