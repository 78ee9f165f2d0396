/**
 * The columns of the break screen's legs side by side (pure): one per leg of the case, and one per route stop the
 * break finds without a leg (MISSING_LEG), so that the missing side is seen where it is missing. A duplicate
 * break marks each leg that repeats an earlier one with the leg it repeats: that one is the odd one out.
 */

interface LegLike {
  readonly legId: string;
  readonly mspId: string;
}

export type LegColumn<L extends LegLike> =
  | { readonly kind: 'leg'; readonly leg: L; readonly duplicateOf?: string }
  | { readonly kind: 'missing'; readonly mspId: string; readonly role: string };

export interface BreakFinding {
  readonly reason: string;
  readonly detail: {
    readonly missing?: readonly { readonly mspId: string; readonly role: string }[];
    readonly legs?: readonly LegLike[];
  };
}

const key = (l: LegLike) => `${l.mspId}\u0000${l.legId}`;

export function legColumns<L extends LegLike>(legs: readonly L[], finding: BreakFinding): LegColumn<L>[] {
  const involved = new Set(finding.reason === 'DUPLICATE' ? (finding.detail.legs ?? []).map(key) : []);
  // The first involved leg in the case's order is the original; every later one repeats it.
  const original = legs.find((l) => involved.has(key(l)));
  const columns: LegColumn<L>[] = legs.map((leg) =>
    original !== undefined && leg !== original && involved.has(key(leg))
      ? { kind: 'leg', leg, duplicateOf: original.legId }
      : { kind: 'leg', leg },
  );
  for (const stop of finding.reason === 'MISSING_LEG' ? (finding.detail.missing ?? []) : [])
    columns.push({ kind: 'missing', mspId: stop.mspId, role: stop.role });
  return columns;
}
