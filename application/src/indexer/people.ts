import type pg from 'pg';

import { sealKey } from '../../../chaincode/src/ledger/seal';
import { referencesOfCases } from '../readModel/caseReferences';
import type { OwnLegRow, Projection } from '../readModel/rows';

/**
 * The people keys of the cases whose breaks a projection changes, for the ones whose payment reference the node
 * holds: one of the institution's own legs is in the case (in the index, or among the projection's own legs), or
 * a person of the institution opened the case with the reference. A break of any other case keeps its persons
 * sealed in the index until the reference is known (`../readModel/write/breakPeople.ts` names them then).
 */
export async function peopleKeys(
  pool: pg.Pool,
  institution: string,
  p: Projection,
): Promise<(caseId: string) => Buffer | undefined> {
  const cases = new Set<string>();
  for (const b of p.breaks.values()) if (b.isParty) cases.add(b.caseId);
  if (cases.size === 0) return () => undefined;
  const references = new Map<string, string>();
  for (const own of p.ownLegs ?? []) if (cases.has(own.caseId)) references.set(own.caseId, own.leg.reference);
  const unknown = [...cases].filter((c) => !references.has(c));
  for (const [caseId, reference] of await referencesOfCases(pool, institution, unknown))
    references.set(caseId, reference);
  const keys = new Map<string, Buffer>();
  for (const [caseId, reference] of references) keys.set(caseId, sealKey(reference, caseId, 'people'));
  return (caseId) => keys.get(caseId);
}

/**
 * The people keys of the cases of own legs: with one of its legs in a case, the node holds its reference from
 * then on, and names whatever the index still holds sealed of that case's breaks (a step a counterparty took
 * before the node's leg came, say).
 */
export function ownLegKeys(legs: readonly OwnLegRow[]): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const l of legs)
    if (!keys.has(l.caseId)) keys.set(l.caseId, sealKey(l.leg.reference, l.caseId, 'people'));
  return keys;
}
