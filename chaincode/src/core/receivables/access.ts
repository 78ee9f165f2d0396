import { fail, type ErrorCode } from '../errors';
import {
  actsFor,
  partyLabel,
  RECEIVABLES_ROLES,
  type Party,
  type ReceivablesActor,
  type ReceivablesRole,
} from './parties';

/**
 * Who may do what on receivables: the one table the contract (and later HTTP, the console and the CLI) ask. An
 * operation names the roles that may do it and the party the actor must act for (parties.ts: `actsFor`), so that
 * a role is never enough on its own: an enterprise's finance person moves only its own enterprise's parts.
 */
export const RECEIVABLES_OPERATIONS = [
  'REGISTER_TRADE',
  'CONFIRM_TRADE',
  'PROPOSE_ISSUE',
  'SIGN_ISSUE',
  'ANSWER_ISSUE',
  'PROPOSE_MOVE',
  'SIGN_MOVE',
  'OFFER_FINANCING',
  'WITHDRAW_OFFER',
  'ANSWER_FINANCING',
  'RECORD_PAYMENT',
  'SWEEP_OVERDUE',
  'READ',
] as const;
export type ReceivablesOperation = (typeof RECEIVABLES_OPERATIONS)[number];

/**
 * The party the actor must act for: the trade's buyer or seller, the token's issuer (the core enterprise) or its
 * first holder (the payee), a part's holder, the bank offered a part, any party on the part's branch (issuer,
 * every holder from the root down, the financing bank), or anyone.
 */
export type PartyRelation =
  'BUYER' | 'SELLER' | 'ISSUER' | 'PAYEE' | 'HOLDER' | 'FINANCIER' | 'BRANCH' | 'ANYONE';

export interface AccessRule {
  readonly roles: readonly ReceivablesRole[];
  readonly party: PartyRelation;
  /** Whether an auditor may do it for any party (reading only). */
  readonly auditors: boolean;
  readonly what: string;
}

const FINANCE: readonly ReceivablesRole[] = ['enterprise-finance'];
const APPROVER: readonly ReceivablesRole[] = ['enterprise-approver'];
const ENTERPRISE: readonly ReceivablesRole[] = ['enterprise-finance', 'enterprise-approver'];

export const RECEIVABLES_ACCESS = {
  // The buyer registers the trade; its supplier confirms it. Either side's finance or approver answers for the seller.
  REGISTER_TRADE: { roles: FINANCE, party: 'BUYER', auditors: false, what: 'registering a trade' },
  CONFIRM_TRADE: { roles: ENTERPRISE, party: 'SELLER', auditors: false, what: 'confirming a trade' },
  // Four eyes at the core enterprise: finance proposes, an approver (another person) signs.
  PROPOSE_ISSUE: { roles: FINANCE, party: 'ISSUER', auditors: false, what: 'proposing an issue' },
  SIGN_ISSUE: { roles: APPROVER, party: 'ISSUER', auditors: false, what: 'signing an issue' },
  ANSWER_ISSUE: {
    roles: ENTERPRISE,
    party: 'PAYEE',
    auditors: false,
    what: 'accepting or declining a token',
  },
  // Four eyes at the holder for every split and transfer.
  PROPOSE_MOVE: { roles: FINANCE, party: 'HOLDER', auditors: false, what: 'proposing a split or transfer' },
  SIGN_MOVE: { roles: APPROVER, party: 'HOLDER', auditors: false, what: 'signing a split or transfer' },
  OFFER_FINANCING: {
    roles: FINANCE,
    party: 'HOLDER',
    auditors: false,
    what: 'offering a part for financing',
  },
  WITHDRAW_OFFER: {
    roles: ENTERPRISE,
    party: 'HOLDER',
    auditors: false,
    what: 'withdrawing a financing offer',
  },
  ANSWER_FINANCING: {
    roles: ['financier'],
    party: 'FINANCIER',
    auditors: false,
    what: 'accepting or declining a financing offer',
  },
  RECORD_PAYMENT: {
    roles: FINANCE,
    party: 'ISSUER',
    auditors: false,
    what: 'recording a payment at maturity',
  },
  // Overdue is a fact of ledger time: anyone with a role may run the sweep; it decides nothing a person chooses.
  SWEEP_OVERDUE: {
    roles: RECEIVABLES_ROLES,
    party: 'ANYONE',
    auditors: true,
    what: 'sweeping overdue parts',
  },
  READ: {
    roles: ['enterprise-finance', 'enterprise-approver', 'financier'],
    party: 'BRANCH',
    auditors: true,
    what: 'reading a token, part or trade',
  },
} as const satisfies Record<ReceivablesOperation, AccessRule>;

export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: ErrorCode; readonly message: string };

/**
 * Whether `actor` may do `operation` where `parties` are the parties of the rule's relation (the trade's buyer,
 * the part's holder, every party on a branch: the contract works them out from the records; for ANYONE none is
 * needed). The refusal's code: ROLE_REQUIRED without a role the operation needs, NOT_HOLDER for a part held by
 * someone else, NOT_A_PARTY otherwise.
 */
export function decideAccess(
  actor: ReceivablesActor,
  operation: ReceivablesOperation,
  parties: readonly Party[],
): AccessDecision {
  const rule: AccessRule = RECEIVABLES_ACCESS[operation];
  if (rule.auditors && actor.roles.includes('auditor')) return { allowed: true };
  if (!actor.roles.some((r) => rule.roles.includes(r)))
    return {
      allowed: false,
      code: 'ROLE_REQUIRED',
      message: `${rule.what} needs the role ${rule.roles.join(' or ')}; ${actor.name} of ${actor.mspId} has ${actor.roles.join(', ') || 'none'}`,
    };
  if (rule.party === 'ANYONE' || parties.some((p) => actsFor(actor, p))) return { allowed: true };
  const named = parties.map(partyLabel).join(', ') || 'nobody';
  return {
    allowed: false,
    code: rule.party === 'HOLDER' ? 'NOT_HOLDER' : 'NOT_A_PARTY',
    message: `${rule.what} is for the ${relationText(rule.party)} (${named}); ${actor.name} of ${actor.mspId} acts for ${actor.enterpriseId ?? 'the bank itself'}`,
  };
}

export function requireAccess(
  actor: ReceivablesActor,
  operation: ReceivablesOperation,
  parties: readonly Party[],
): void {
  const d = decideAccess(actor, operation, parties);
  if (!d.allowed) fail(d.code, d.message);
}

function relationText(relation: PartyRelation): string {
  switch (relation) {
    case 'BUYER':
      return "trade's buyer";
    case 'SELLER':
      return "trade's seller";
    case 'ISSUER':
      return 'core enterprise that issues the token';
    case 'PAYEE':
      return 'supplier the token is issued to';
    case 'HOLDER':
      return "part's holder";
    case 'FINANCIER':
      return 'bank the part is offered to';
    case 'BRANCH':
      return "parties of the part's branch";
    case 'ANYONE':
      return 'anyone';
  }
}

/** The member roles (reconciliation's, `core/actor.ts`) of a bank's identities that read for the bank's node. */
export const NODE_READER_ROLES: readonly string[] = ['submitter', 'admin'];

/**
 * Whether `actor` may read a record for its node's index (`indexRecords`, `listForIndex`): an auditor any record;
 * a member bank's own system or administrator (no enterpriseId, a member role of `NODE_READER_ROLES`) a record
 * one of whose `viewers` (core/receivables/viewers.ts) is the bank itself or an enterprise it enrolled. A bank
 * runs its client enterprises' node; that node then shows each person only the rows whose viewers name them.
 */
export function mayReadForIndex(
  actor: ReceivablesActor,
  memberRoles: readonly string[],
  viewers: readonly Party[],
): boolean {
  if (actor.roles.includes('auditor')) return true;
  if (actor.enterpriseId !== null || !memberRoles.some((r) => NODE_READER_ROLES.includes(r))) return false;
  return viewers.some((p) => p.mspId === actor.mspId);
}
