import type { Actor } from '../actor';
import { fail } from '../errors';
import { parseMspId } from '../leg';
import { isCurrency } from '../money';
import { parseClientId } from '../reference';
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

export interface PolicyApproval {
  readonly mspId: string;
  readonly name: string;
  readonly id: string;
  readonly at: string;
  readonly txId: string;
}

export const POLICY_PROPOSAL_STATUSES = ['OPEN', 'ADOPTED', 'SUPERSEDED'] as const;
export type PolicyProposalStatus = (typeof POLICY_PROPOSAL_STATUSES)[number];

export interface PolicyProposal {
  readonly proposalId: string;
  readonly baseVersion: number;
  readonly policy: GovernedPolicy;
  readonly proposedBy: { readonly mspId: string; readonly name: string; readonly id: string };
  readonly proposedAt: string;
  readonly txId: string;
  readonly inputHash: string;
  /** One per bank, in the order given. */
  readonly approvals: readonly PolicyApproval[];
  /** OPEN or ADOPTED as stored; SUPERSEDED is derived (`policyProposalStatus`). */
  readonly status: Exclude<PolicyProposalStatus, 'SUPERSEDED'>;
  readonly adoptedVersion: number | null;
}

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
  if (p.status === 'ADOPTED') return 'ADOPTED';
  return p.baseVersion === current.version ? 'OPEN' : 'SUPERSEDED';
}

/** More than half: of 2 banks 2, of 3 banks 2, of 4 banks 3. */
export function approvalsNeeded(governors: number): number {
  return Math.floor(governors / 2) + 1;
}

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

function requireGovernor(
  meta: GovernanceMeta,
  role: 'admin' | 'approver',
  current: GovernedPolicy,
  what: string,
) {
  if (meta.enterpriseId !== null || !meta.actor.roles.includes(role))
    fail('ROLE_REQUIRED', `${what} needs a member bank's ${role} (not an enterprise's person)`);
  if (!current.governors.includes(meta.actor.mspId))
    fail(
      'NOT_A_PARTY',
      `${meta.actor.mspId} does not govern the receivables policy (governors: ${current.governors.join(', ')})`,
    );
}

export function parsePolicyProposalId(value: unknown): string {
  return parseClientId(value, 'proposalId');
}

/** A proposal by a governing bank's admin, against the version in force. */
export function decidePolicyProposal(
  existing: PolicyProposal | undefined,
  proposalId: string,
  policy: GovernedPolicy,
  current: ReceivablesPolicyVersion,
  meta: GovernanceMeta & { readonly inputHash: string },
): { outcome: 'PROPOSED' | 'UNCHANGED'; proposal: PolicyProposal } {
  requireGovernor(meta, 'admin', current.policy, 'proposing a receivables policy');
  if (existing !== undefined) {
    if (existing.inputHash !== meta.inputHash)
      fail(
        'IDEMPOTENCY_CONFLICT',
        `proposal ${proposalId} was made with another policy (tx ${existing.txId})`,
      );
    return { outcome: 'UNCHANGED', proposal: existing };
  }
  if (samePolicy(policy, current.policy))
    fail('INVALID_INPUT', `the policy is the one in force (version ${current.version}): it changes nothing`);
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

export type PolicyApprovalDecision =
  | { readonly outcome: 'UNCHANGED'; readonly proposal: PolicyProposal }
  | { readonly outcome: 'APPROVED'; readonly proposal: PolicyProposal }
  | {
      readonly outcome: 'ADOPTED';
      readonly proposal: PolicyProposal;
      readonly version: ReceivablesPolicyVersion;
    };

/**
 * A governing bank's approval; the one that makes a majority of the governors (of the version in force) adopts
 * the proposal as the next version, in this transaction.
 */
export function decidePolicyApproval(
  proposal: PolicyProposal,
  current: ReceivablesPolicyVersion,
  meta: GovernanceMeta,
): PolicyApprovalDecision {
  requireGovernor(meta, 'approver', current.policy, 'approving a receivables policy');
  const status = policyProposalStatus(proposal, current);
  if (status !== 'OPEN')
    fail(
      'ALREADY_DECIDED',
      status === 'ADOPTED'
        ? `proposal ${proposal.proposalId} was adopted as version ${proposal.adoptedVersion ?? '?'}`
        : `proposal ${proposal.proposalId} was made against version ${proposal.baseVersion}, no longer in force (${current.version}): propose it again`,
    );
  if (proposal.approvals.some((a) => a.mspId === meta.actor.mspId)) return { outcome: 'UNCHANGED', proposal };
  if (proposal.proposedBy.id === meta.actor.id)
    fail(
      'SELF_APPROVAL',
      'the proposer cannot approve their own proposal: another approver of the bank does',
    );
  const approvals = [
    ...proposal.approvals,
    { at: meta.at, id: meta.actor.id, mspId: meta.actor.mspId, name: meta.actor.name, txId: meta.txId },
  ];
  const governing = approvals.filter((a) => current.policy.governors.includes(a.mspId));
  if (governing.length < approvalsNeeded(current.policy.governors.length))
    return { outcome: 'APPROVED', proposal: { ...proposal, approvals } };
  const version: ReceivablesPolicyVersion = {
    adoptedAt: meta.at,
    approvedBy: sortedCopy(
      governing.map((a) => a.mspId),
      byText,
    ),
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
