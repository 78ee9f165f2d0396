import { fail } from '../errors';
import { parseMspId } from '../leg';
import { normaliseSubject } from '../subject';

/**
 * Who takes part in receivables. Enterprises (core enterprises and their suppliers) are clients of member banks:
 * their people are enrolled by their bank's CA with two attributes, the enterprise id (its unified social credit
 * code) and roles. Banks act as financiers with their own staff. An enterprise is known by its code *and* the
 * bank that enrolled it: another bank's CA that wrote the same code into a certificate does not speak for it.
 */
export const RECEIVABLES_ROLES = [
  'enterprise-finance',
  'enterprise-approver',
  'financier',
  'auditor',
] as const;
export type ReceivablesRole = (typeof RECEIVABLES_ROLES)[number];

/** Roles only an enterprise's people hold, and roles only a bank's staff hold (auditors may be either). */
const ENTERPRISE_ROLES: readonly ReceivablesRole[] = ['enterprise-finance', 'enterprise-approver'];
const BANK_ROLES: readonly ReceivablesRole[] = ['financier'];

export interface EnterpriseParty {
  readonly kind: 'ENTERPRISE';
  /** Unified social credit code (GB 32100-2015), canonical form. */
  readonly enterpriseId: string;
  /** The member bank that enrolled it (and through whose node it acts). */
  readonly mspId: string;
}

export interface BankParty {
  readonly kind: 'BANK';
  readonly mspId: string;
}

export type Party = EnterpriseParty | BankParty;

/** Who acts on receivables: derived from the signed proposal, never from input. */
export interface ReceivablesActor {
  readonly mspId: string;
  /** Certificate identity (x509::subject::issuer): four eyes compare these. */
  readonly id: string;
  readonly name: string;
  /** The enterprise the person acts for; null for a bank's own staff. */
  readonly enterpriseId: string | null;
  readonly roles: readonly ReceivablesRole[];
}

/** A unified social credit code, checked (GB 32100-2015) and in canonical form. */
export function parseEnterpriseId(value: unknown, field: string): string {
  return normaliseSubject('CN_USCC', value, field).value;
}

/** An input that must be a JSON object: its fields by name, else INVALID_INPUT saying what it must hold. */
export function inputObject(raw: unknown, field: string, holds?: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object${holds === undefined ? '' : ` ${holds}`}`);
  return raw as Record<string, unknown>;
}

export function parseParty(raw: unknown, field: string): Party {
  const o = inputObject(raw, field, '{ kind, mspId, enterpriseId? }');
  const mspId = parseMspId(o.mspId, `${field}.mspId`);
  if (o.kind === 'BANK') {
    if (o.enterpriseId !== undefined)
      fail('INVALID_INPUT', `${field}: a bank has no enterpriseId (it acts as itself)`);
    return { kind: 'BANK', mspId };
  }
  if (o.kind === 'ENTERPRISE')
    return {
      enterpriseId: parseEnterpriseId(o.enterpriseId, `${field}.enterpriseId`),
      kind: 'ENTERPRISE',
      mspId,
    };
  fail('INVALID_INPUT', `${field}.kind must be ENTERPRISE or BANK, got ${JSON.stringify(o.kind)}`);
}

/** An enterprise party, from its code and its bank. */
export function parseEnterprise(raw: unknown, field: string): EnterpriseParty {
  const party = parseParty(raw, field);
  if (party.kind !== 'ENTERPRISE') fail('INVALID_INPUT', `${field} must be an enterprise, not a bank`);
  return party;
}

/**
 * The actor from the certificate: its MSP, id and name, and the two attributes. Enterprise roles need an
 * enterprise id; a bank role refuses one. A certificate that mixes them was issued wrongly, and the refusal says so
 * rather than dropping roles in silence.
 */
export function receivablesActorOf(
  identity: { readonly mspId: string; readonly id: string; readonly name: string },
  enterpriseAttribute: string | null | undefined,
  rolesAttribute: string | null | undefined,
): ReceivablesActor {
  const wanted = (rolesAttribute ?? '').split(',').map((r) => r.trim());
  const roles = RECEIVABLES_ROLES.filter((r) => wanted.includes(r));
  const enterpriseId =
    enterpriseAttribute === null || enterpriseAttribute === undefined || enterpriseAttribute === ''
      ? null
      : parseEnterpriseId(enterpriseAttribute, 'the certificate attribute enterpriseId');
  if (enterpriseId === null && roles.some((r) => ENTERPRISE_ROLES.includes(r)))
    fail('INVALID_INPUT', `${identity.name}'s certificate gives an enterprise role without an enterpriseId`);
  if (enterpriseId !== null && roles.some((r) => BANK_ROLES.includes(r)))
    fail('INVALID_INPUT', `${identity.name}'s certificate gives a bank role to a person of an enterprise`);
  return { enterpriseId, id: identity.id, mspId: identity.mspId, name: identity.name, roles };
}

/** Whether the actor acts for the party: an enterprise's person of that enterprise and bank, or a bank's staff. */
export function actsFor(actor: ReceivablesActor, party: Party): boolean {
  if (actor.mspId !== party.mspId) return false;
  return party.kind === 'ENTERPRISE'
    ? actor.enterpriseId === party.enterpriseId
    : actor.enterpriseId === null;
}

export function sameParty(a: Party, b: Party): boolean {
  if (a.kind !== b.kind || a.mspId !== b.mspId) return false;
  return a.kind === 'BANK' || (b.kind === 'ENTERPRISE' && a.enterpriseId === b.enterpriseId);
}

/** A party as people read it in messages: `91350100M000100Y43@BankAMSP`, or `BankAMSP`. */
export function partyLabel(party: Party): string {
  return party.kind === 'ENTERPRISE' ? `${party.enterpriseId}@${party.mspId}` : party.mspId;
}

/** The bank that holds the party's account: an enterprise's bank, or the bank itself. */
export function bankOf(party: Party): string {
  return party.mspId;
}
