export const ROLES = ['submitter', 'reconciler', 'approver', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who acts: derived from the signed proposal (MSP ID, certificate subject, role attributes), never from input. */
export interface Actor {
  readonly mspId: string;
  /** Certificate identity as fabric-shim's ClientIdentity.getID() gives it: x509::subject::issuer. */
  readonly id: string;
  /** The enrolment id (certificate common name), what people call each other by. */
  readonly name: string;
  readonly roles: readonly Role[];
}

export function parseRoles(attribute: string | null | undefined): Role[] {
  if (!attribute) return [];
  const wanted = attribute.split(',').map((r) => r.trim());
  return ROLES.filter((r) => wanted.includes(r));
}

export function hasAnyRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}
