import type { Actor } from '../actor';
import { fail } from '../errors';
import { parseMspId } from '../leg';
import { isCurrency } from '../money';
import { parseClientId } from '../reference';
import {
  decideVote,
  decideVotedProposal,
  majorityOf,
  votedProposalStatus,
  VOTED_PROPOSAL_STATUSES,
  type Approval,
  type ProposalRules,
  type VoteDecision,
  type VotedProposal,
  type VotedProposalStatus,
} from '../proposalVote';
import { byText, sortedCopy } from '../sorted';
import { DEFAULT_RECEIVABLES_POLICY, validateReceivablesPolicy, type ReceivablesPolicy } from './limits';
import { SCREENING_ON_HIT, type ScreeningOnHit } from './screening';

/**
 * Governance of the receivables policy (docs/RECEIVABLES.md, "Policy governance"): the smallest part, the most
 * outputs of a move, the fee cap and what a screening hit does change only when the member banks agree.
 *
 * - An **administrator** (member role `admin`, no enterprise) of a governing bank proposes a whole policy, under a
 *   client-chosen id, against the version in force. The same id with the same policy is UNCHANGED; with another,
 *   IDEMPOTENCY_CONFLICT; a policy equal to the one in force changes nothing and is refused.
 * - An **approver** (member role `approver`) of each governing bank approves, another person than the proposer
 *   (SELF_APPROVAL); one approval per bank (again: UNCHANGED).
 * - The transaction whose approval makes **more than half** of the governing banks (with two banks: both) adopts
 *   it as the next version; every transaction after it, in later blocks, applies it. Before that, nothing changes.
 * - A proposal made against a version no longer in force is SUPERSEDED: adopting it would undo the change adopted
 *   in between. Every version and every proposal stay on the ledger (history).
 *
 * Who governs is in the policy itself (`governors`, MSP IDs), so changing it is a policy change like any other.
 * The genesis (version 1, never written) is `GENESIS_RECEIVABLES_POLICY`: the banks of the receivables
 * collection (network/collections.json; the chaincode cannot read the channel's configuration).
 */

export interface GovernedPolicy extends ReceivablesPolicy {
  /** The member banks that decide on the policy (MSP IDs, sorted, distinct, at least one). */
  readonly governors: readonly string[];
}

export const GENESIS_RECEIVABLES_POLICY: GovernedPolicy = {
  ...DEFAULT_RECEIVABLES_POLICY,
  governors: ['BankAMSP', 'BankBMSP'],
};

export interface ReceivablesPolicyVersion {
  readonly version: number;
  readonly policy: GovernedPolicy;
  /** Null for the genesis. */
  readonly proposalId: string | null;
  readonly adoptedAt: string | null;
  readonly txId: string | null;
  /** The banks whose approvals adopted it, sorted. */
  readonly approvedBy: readonly string[];
}

export const GENESIS_RECEIVABLES_VERSION: ReceivablesPolicyVersion = {
  adoptedAt: null,
  approvedBy: [],
  policy: GENESIS_RECEIVABLES_POLICY,
  proposalId: null,
  txId: null,
  version: 1,
};

/** A bank's approval, with the approver's identity (the proposer's own approval is refused by it). */
export interface PolicyApproval extends Approval {
  readonly id: string;
}

export const POLICY_PROPOSAL_STATUSES = VOTED_PROPOSAL_STATUSES;
export type PolicyProposalStatus = VotedProposalStatus;

/** One approval per bank, in the order given; the voting is the one every governed policy shares (../proposalVote.ts). */
export type PolicyProposal = VotedProposal<GovernedPolicy, PolicyApproval>;

export interface GovernanceMeta {
  readonly actor: Actor;
  /** The signer's `enterpriseId` attribute: enterprises' people take no part in governance. */
  readonly enterpriseId: string | null;
  readonly at: string;
  readonly txId: string;
}

export function policyProposalStatus(
  p: PolicyProposal,
  current: ReceivablesPolicyVersion,
): PolicyProposalStatus {
  return votedProposalStatus(p, current.version);
}

/** More than half: of 2 banks 2, of 3 banks 2, of 4 banks 3. */
export const approvalsNeeded = majorityOf;

const DECIMAL = /^[0-9]{1,18}$/;

function minorOf(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !DECIMAL.test(value))
    fail('INVALID_INPUT', `${field} must be integer minor units as a decimal string (never a JSON number)`);
  return BigInt(value);
}

function wholeOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    fail('INVALID_INPUT', `${field} must be a whole number`);
  return value;
}

const POLICY_FIELDS = [
  'feeBpMax',
  'governors',
  'minPartMinor',
  'minPartMinorDefault',
  'outputsMax',
  'screeningOnHit',
];

/** A whole policy as JSON carries it (amounts as decimal strings), checked: the core's bounds and the governors. */
export function parseGovernedPolicy(raw: unknown, field = 'policy'): GovernedPolicy {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object { ${POLICY_FIELDS.join(', ')} }`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!POLICY_FIELDS.includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected ${POLICY_FIELDS.join(', ')})`);
  for (const k of POLICY_FIELDS) if (!(k in o)) fail('INVALID_INPUT', `${field}.${k} is required`);
  const mins = o.minPartMinor;
  if (typeof mins !== 'object' || mins === null || Array.isArray(mins))
    fail('INVALID_INPUT', `${field}.minPartMinor must be an object { currency: minor units }`);
  const minPartMinor: Record<string, bigint> = {};
  for (const [currency, v] of Object.entries(mins as Record<string, unknown>)) {
    if (!isCurrency(currency))
      fail('INVALID_INPUT', `${field}.minPartMinor: ${currency} is not an active ISO 4217 currency`);
    minPartMinor[currency] = minorOf(v, `${field}.minPartMinor.${currency}`);
  }
  const screeningOnHit = SCREENING_ON_HIT.find((s) => s === o.screeningOnHit);
  if (screeningOnHit === undefined)
    fail('INVALID_INPUT', `${field}.screeningOnHit must be ${SCREENING_ON_HIT.join(' or ')}`);
  if (!Array.isArray(o.governors) || o.governors.length < 1 || o.governors.length > 50)
    fail('INVALID_INPUT', `${field}.governors must name 1 to 50 member banks (MSP IDs)`);
  const governors = o.governors.map((g: unknown, i) => parseMspId(g, `${field}.governors[${i}]`));
  if (new Set(governors).size !== governors.length)
    fail('INVALID_INPUT', `${field}.governors: each bank once`);
  const policy: GovernedPolicy = {
    feeBpMax: wholeOf(o.feeBpMax, `${field}.feeBpMax`),
    governors: sortedCopy(governors, byText),
    minPartMinor,
    minPartMinorDefault: minorOf(o.minPartMinorDefault, `${field}.minPartMinorDefault`),
    outputsMax: wholeOf(o.outputsMax, `${field}.outputsMax`),
    screeningOnHit: screeningOnHit satisfies ScreeningOnHit,
  };
  validateReceivablesPolicy(policy);
  return policy;
}

/** The policy as JSON carries it: amounts as decimal strings, currencies and governors sorted. */
export function policyWire(policy: GovernedPolicy): Record<string, unknown> {
  const mins: Record<string, string> = {};
  for (const c of sortedCopy(Object.keys(policy.minPartMinor), byText))
    mins[c] = String(policy.minPartMinor[c]);
  return {
    feeBpMax: policy.feeBpMax,
    governors: sortedCopy(policy.governors, byText),
    minPartMinor: mins,
    minPartMinorDefault: String(policy.minPartMinorDefault),
    outputsMax: policy.outputsMax,
    screeningOnHit: policy.screeningOnHit,
  };
}

function samePolicy(a: GovernedPolicy, b: GovernedPolicy): boolean {
  return JSON.stringify(policyWire(a)) === JSON.stringify(policyWire(b));
}

const notAGovernor = (mspId: string, governors: readonly string[]): string =>
  `${mspId} does not govern the receivables policy (governors: ${governors.join(', ')})`;

function requireGovernor(
  meta: GovernanceMeta,
  role: 'admin' | 'approver',
  current: GovernedPolicy,
  what: string,
) {
  if (meta.enterpriseId !== null || !meta.actor.roles.includes(role))
    fail('ROLE_REQUIRED', `${what} needs a member bank's ${role} (not an enterprise's person)`);
  if (!current.governors.includes(meta.actor.mspId))
    fail('NOT_A_PARTY', notAGovernor(meta.actor.mspId, current.governors));
}

export function parsePolicyProposalId(value: unknown): string {
  return parseClientId(value, 'proposalId');
}

const PROPOSAL_RULES: ProposalRules<GovernedPolicy> = {
  changesNothing: (version) => `the policy is the one in force (version ${version}): it changes nothing`,
  conflict: (proposalId, txId) => `proposal ${proposalId} was made with another policy (tx ${txId})`,
  same: samePolicy,
};

/** A proposal by a governing bank's admin, against the version in force. */
export function decidePolicyProposal(
  existing: PolicyProposal | undefined,
  proposalId: string,
  policy: GovernedPolicy,
  current: ReceivablesPolicyVersion,
  meta: GovernanceMeta & { readonly inputHash: string },
): { outcome: 'PROPOSED' | 'UNCHANGED'; proposal: PolicyProposal } {
  requireGovernor(meta, 'admin', current.policy, 'proposing a receivables policy');
  return decideVotedProposal(existing, proposalId, policy, current, meta, PROPOSAL_RULES);
}

export type PolicyApprovalDecision = VoteDecision<PolicyProposal, ReceivablesPolicyVersion>;

/**
 * A governing bank's approval; the one that makes a majority of the governors (of the version in force) adopts
 * the proposal as the next version, in this transaction. The role and the governors are checked before the
 * proposal's status; a bank that approved already gets UNCHANGED, even through the proposer.
 */
export function decidePolicyApproval(
  proposal: PolicyProposal,
  current: ReceivablesPolicyVersion,
  meta: GovernanceMeta,
): PolicyApprovalDecision {
  requireGovernor(meta, 'approver', current.policy, 'approving a receivables policy');
  const governors = current.policy.governors;
  return decideVote(proposal, current, meta, {
    adopted: (p) => `proposal ${p.proposalId} was adopted as version ${p.adoptedVersion ?? '?'}`,
    approval: (m): PolicyApproval => ({
      at: m.at,
      id: m.actor.id,
      mspId: m.actor.mspId,
      name: m.actor.name,
      txId: m.txId,
    }),
    notAVoter: { code: 'NOT_A_PARTY', message: (mspId) => notAGovernor(mspId, governors) },
    repeatBeforeSelf: true,
    selfApproval: () => 'the proposer cannot approve their own proposal: another approver of the bank does',
    superseded: (p, version) =>
      `proposal ${p.proposalId} was made against version ${p.baseVersion}, no longer in force (${version}): propose it again`,
    voters: governors,
  });
}
