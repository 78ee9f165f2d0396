import type { Actor } from './actor';
import { fail, type ErrorCode } from './errors';
import { byText, sortedCopy } from './sorted';

/**
 * Changing a shared rule set by vote, the one way the blacklist's policy and the receivables policy both change:
 *
 * - a **proposal** is a whole rule set (not a difference) under a client-chosen id, against the version in force;
 *   the same id with the same content is UNCHANGED, with other content IDEMPOTENCY_CONFLICT, and a rule set equal
 *   to the one in force changes nothing and is refused (INVALID_INPUT);
 * - each **voting institution** approves once (again: UNCHANGED), never through the person who proposed it
 *   (SELF_APPROVAL); an institution outside the voters is refused;
 * - the approval that makes **more than half** of the institutions voting now adopts it as the next version;
 * - a proposal made against a version no longer in force is **SUPERSEDED** (adopting it would undo what was
 *   adopted in between) and must be proposed again.
 *
 * Pure, and generic in what is voted on: who votes, how two rule sets compare, the approval recorded and every
 * message are the caller's (each contract keeps its own words and error codes), so the rule itself is here once.
 */

export const VOTED_PROPOSAL_STATUSES = ['OPEN', 'ADOPTED', 'SUPERSEDED'] as const;
export type VotedProposalStatus = (typeof VOTED_PROPOSAL_STATUSES)[number];

export interface Proposer {
  readonly mspId: string;
  readonly name: string;
  readonly id: string;
}

/** An institution's approval, as every proposal records it (a contract may record more of the approver). */
export interface Approval {
  readonly mspId: string;
  readonly name: string;
  readonly at: string;
  readonly txId: string;
}

/** What every proposal holds, whatever rule set `P` it proposes and whatever approval `A` it records. */
export interface VotedProposal<P, A extends { readonly mspId: string }> {
  readonly proposalId: string;
  readonly baseVersion: number;
  readonly policy: P;
  readonly proposedBy: Proposer;
  readonly proposedAt: string;
  readonly txId: string;
  /** The hash of what was proposed (the same proposal id again with the same content changes nothing). */
  readonly inputHash: string;
  /** One approval per institution, in the order given. */
  readonly approvals: readonly A[];
  /** OPEN or ADOPTED as stored; SUPERSEDED is derived (`votedProposalStatus`). */
  readonly status: Exclude<VotedProposalStatus, 'SUPERSEDED'>;
  readonly adoptedVersion: number | null;
}

/** The version in force, as far as voting needs it. */
export interface VersionInForce<P> {
  readonly version: number;
  readonly policy: P;
}

/** The proposal's status: OPEN while the version it was made against is in force. */
export function votedProposalStatus(
  p: Pick<VotedProposal<unknown, { readonly mspId: string }>, 'status' | 'baseVersion'>,
  currentVersion: number,
): VotedProposalStatus {
  if (p.status === 'ADOPTED') return 'ADOPTED';
  return p.baseVersion === currentVersion ? 'OPEN' : 'SUPERSEDED';
}

/** More than half: of 1 voter 1, of 2 both, of 3 two, of 4 three, of 5 three. */
export function majorityOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

export interface ProposalMeta {
  readonly actor: Actor;
  readonly at: string;
  readonly txId: string;
  readonly inputHash: string;
}

export interface ProposalRules<P> {
  /** Whether two rule sets are the same (a proposal equal to the one in force changes nothing). */
  readonly same: (a: P, b: P) => boolean;
  /** IDEMPOTENCY_CONFLICT's message: the id was proposed before (in `txId`) with other content. */
  readonly conflict: (proposalId: string, txId: string) => string;
  /** INVALID_INPUT's message: the rule set proposed is version `version`, the one in force. */
  readonly changesNothing: (version: number) => string;
}

/**
 * A new proposal (whether the actor may propose at all is the caller's check, made first). The same id again:
 * the same content gives back the stored one (UNCHANGED), other content is IDEMPOTENCY_CONFLICT.
 */
export function decideVotedProposal<P, A extends { readonly mspId: string }>(
  existing: VotedProposal<P, A> | undefined,
  proposalId: string,
  policy: P,
  current: VersionInForce<P>,
  meta: ProposalMeta,
  rules: ProposalRules<P>,
): { outcome: 'PROPOSED' | 'UNCHANGED'; proposal: VotedProposal<P, A> } {
  if (existing !== undefined) {
    if (existing.inputHash !== meta.inputHash)
      fail('IDEMPOTENCY_CONFLICT', rules.conflict(proposalId, existing.txId));
    return { outcome: 'UNCHANGED', proposal: existing };
  }
  if (rules.same(policy, current.policy)) fail('INVALID_INPUT', rules.changesNothing(current.version));
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

export interface VoteMeta {
  readonly actor: Actor;
  readonly at: string;
  readonly txId: string;
}

export interface VoteRules<P, A extends { readonly mspId: string }> {
  /** The institutions (MSP IDs) that vote now: only their approvals count, and a majority of them adopts. */
  readonly voters: readonly string[];
  /** The refusal of an institution outside `voters` (checked once the proposal is known to be open). */
  readonly notAVoter: { readonly code: ErrorCode; readonly message: (mspId: string) => string };
  /**
   * When the proposer asks to approve and their institution has approved already: true, the repeated approval
   * is UNCHANGED (it is recognised first); false, the proposer is refused (SELF_APPROVAL) first.
   */
  readonly repeatBeforeSelf: boolean;
  /** The approval recorded for this voter. */
  readonly approval: (meta: VoteMeta) => A;
  /** ALREADY_DECIDED's messages, and SELF_APPROVAL's. */
  readonly adopted: (p: VotedProposal<P, A>) => string;
  readonly superseded: (p: VotedProposal<P, A>, currentVersion: number) => string;
  readonly selfApproval: (p: VotedProposal<P, A>, actor: Actor) => string;
}

/** What an adoption fixes: the fields every version record has. */
export interface Adoption<P> {
  readonly adoptedAt: string;
  /** The voting institutions whose approvals adopted it, sorted. */
  readonly approvedBy: readonly string[];
  readonly policy: P;
  readonly proposalId: string;
  readonly txId: string;
  readonly version: number;
}

/** An approval's outcome: the proposal `R` as it stands after it and, when it adopted, the version record `V`. */
export type VoteDecision<R, V> =
  | { readonly outcome: 'UNCHANGED'; readonly proposal: R }
  | { readonly outcome: 'APPROVED'; readonly proposal: R }
  | { readonly outcome: 'ADOPTED'; readonly proposal: R; readonly version: V };

/**
 * A voter's approval of an open proposal, for its institution. When the approvals of institutions that vote now
 * reach a majority of the voters now, the proposal is adopted as the next version, in this transaction.
 */
export function decideVote<P, A extends { readonly mspId: string }, R extends VotedProposal<P, A>>(
  proposal: R,
  current: VersionInForce<P>,
  meta: VoteMeta,
  rules: VoteRules<P, A>,
): VoteDecision<R, Adoption<P>> {
  const status = votedProposalStatus(proposal, current.version);
  if (status === 'ADOPTED') fail('ALREADY_DECIDED', rules.adopted(proposal));
  if (status === 'SUPERSEDED') fail('ALREADY_DECIDED', rules.superseded(proposal, current.version));
  if (!rules.voters.includes(meta.actor.mspId))
    fail(rules.notAVoter.code, rules.notAVoter.message(meta.actor.mspId));
  const repeated = proposal.approvals.some((a) => a.mspId === meta.actor.mspId);
  if (repeated && rules.repeatBeforeSelf) return { outcome: 'UNCHANGED', proposal };
  if (meta.actor.id === proposal.proposedBy.id)
    fail('SELF_APPROVAL', rules.selfApproval(proposal, meta.actor));
  if (repeated) return { outcome: 'UNCHANGED', proposal };
  const approvals = [...proposal.approvals, rules.approval(meta)];
  const counted = sortedCopy(
    approvals.filter((a) => rules.voters.includes(a.mspId)).map((a) => a.mspId),
    byText,
  );
  if (counted.length < majorityOf(rules.voters.length))
    return { outcome: 'APPROVED', proposal: { ...proposal, approvals } };
  const version: Adoption<P> = {
    adoptedAt: meta.at,
    approvedBy: counted,
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
