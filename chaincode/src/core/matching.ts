import {
  canonicalRoute,
  MATCH_FIELDS,
  routeText,
  type LegRole,
  type MatchField,
  type RouteStop,
} from './leg';
import { byText, sortedCopy } from './sorted';

export const BREAK_REASONS = [
  'MISSING_LEG',
  'AMOUNT_MISMATCH',
  'CURRENCY_MISMATCH',
  'VALUE_DATE_MISMATCH',
  'ACCOUNT_MISMATCH',
  'STATUS_CONFLICT',
  'DUPLICATE',
  'UNEXPECTED_LEG',
] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];

export type CaseStatus = 'PENDING' | 'MATCHED' | 'BROKEN';

/** What matching knows of a leg: who posted it where, and one salted digest per match field. No plaintext. */
export interface LegFacts {
  readonly legId: string;
  readonly mspId: string;
  readonly role: LegRole;
  readonly route: readonly RouteStop[];
  readonly digests: Readonly<Record<MatchField, string>>;
  /** The poster's own earlier leg of the case this one corrects: that leg is superseded. */
  readonly corrects?: string;
}

/**
 * The legs that count: every leg no later leg of the same institution corrects. A superseded leg stays in the
 * case (and its history) but is no longer matched; a chain of corrections leaves its last leg. Order-free: it
 * depends only on the set of legs.
 */
export function liveLegs<T extends LegFacts>(legs: readonly T[]): readonly T[] {
  let superseded: Set<string> | undefined;
  for (const l of legs)
    if (l.corrects !== undefined) (superseded ??= new Set()).add(`${l.mspId}:${l.corrects}`);
  return superseded === undefined ? legs : legs.filter((l) => !superseded.has(`${l.mspId}:${l.legId}`));
}

export interface LegRef {
  readonly legId: string;
  readonly mspId: string;
  readonly role: LegRole;
}

export interface FindingDetail {
  /** The match fields that differ (mismatches). */
  readonly fields?: readonly MatchField[];
  /** Legs grouped by the value they hold for the differing field(s) or by the route they declare. */
  readonly groups?: readonly (readonly LegRef[])[];
  /** Legs involved (duplicates). */
  readonly legs?: readonly LegRef[];
  /** Route stops with no leg past the service level. */
  readonly missing?: readonly RouteStop[];
  /** The other cases of the same payment reference: legs that declared other routes for it (ids only). */
  readonly otherCases?: readonly string[];
}

export interface Finding {
  /** Stable identity of the finding within its case: the same problem keeps the same key as legs arrive. */
  readonly key: string;
  readonly reason: BreakReason;
  readonly detail: FindingDetail;
}

export interface Verdict {
  readonly status: CaseStatus;
  /** The route every stop of which is expected to post: the union of what the legs declare. */
  readonly expected: readonly RouteStop[];
  readonly findings: readonly Finding[];
}

/** The break a differing match field is reported as. */
export const FIELD_REASON: Readonly<Record<MatchField, BreakReason>> = {
  amountMinor: 'AMOUNT_MISMATCH',
  currency: 'CURRENCY_MISMATCH',
  valueDate: 'VALUE_DATE_MISMATCH',
  payerRef: 'ACCOUNT_MISMATCH',
  payeeRef: 'ACCOUNT_MISMATCH',
  outcome: 'STATUS_CONFLICT',
};

const ref = (l: LegFacts): LegRef => ({ legId: l.legId, mspId: l.mspId, role: l.role });
const byLegId = (a: { legId: string }, b: { legId: string }) =>
  a.legId < b.legId ? -1 : a.legId > b.legId ? 1 : 0;
const stopKey = (s: RouteStop) => `${s.mspId}/${s.role}`;

function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

/** Whether every leg declares the same route, stop for stop, with no stop twice, and no stop has two legs. */
function simpleCase(sorted: readonly LegFacts[]): boolean {
  const route = (sorted[0] as LegFacts).route;
  for (let i = 0; i < route.length; i++)
    for (let j = i + 1; j < route.length; j++)
      if (route[i]?.mspId === route[j]?.mspId && route[i]?.role === route[j]?.role) return false;
  for (let i = 0; i < sorted.length; i++) {
    const l = sorted[i] as LegFacts;
    if (l.route.length !== route.length) return false;
    for (let k = 0; k < route.length; k++)
      if (l.route[k]?.mspId !== route[k]?.mspId || l.route[k]?.role !== route[k]?.role) return false;
    for (let j = i + 1; j < sorted.length; j++) {
      const m = sorted[j] as LegFacts;
      if (m.mspId === l.mspId && m.role === l.role) return false;
    }
  }
  return true;
}

function allSame(legs: readonly LegFacts[], field: MatchField): boolean {
  const first = legs[0]?.digests[field];
  for (let i = 1; i < legs.length; i++) if (legs[i]?.digests[field] !== first) return false;
  return true;
}

/**
 * The verdict on a case is a function of the set of its legs (the live ones: liveLegs), of whether its service level has passed and of
 * the set of other cases of its reference (other routes declared for the same payment): it does not depend on
 * the order in which legs arrived (a property test holds it to that).
 */
export function evaluateCase(
  legs: readonly LegFacts[],
  serviceLevelPassed: boolean,
  otherCases: readonly string[] = [],
): Verdict {
  const sorted = sortedCopy(liveLegs(legs), byLegId);
  const findings: Finding[] = [];
  let expected: RouteStop[];
  let primary: readonly LegFacts[];
  let routeGroups: LegFacts[][] = [];

  if (sorted.length > 0 && simpleCase(sorted)) {
    // The usual case, without the grouping below: one route, one leg per stop, so every leg is primary.
    expected = canonicalRoute((sorted[0] as LegFacts).route);
    primary = sorted;
  } else {
    const expectedByKey = new Map<string, RouteStop>();
    for (const l of sorted) for (const s of l.route) expectedByKey.set(stopKey(s), s);
    expected = canonicalRoute([...expectedByKey.values()]);

    routeGroups = groupBy(sorted, (l) => routeText(l.route));

    const byStop = groupBy(sorted, (l) => stopKey(l));
    for (const group of byStop) {
      if (group.length > 1) {
        const first = group[0] as LegFacts;
        findings.push({
          key: `DUPLICATE:${stopKey(first)}`,
          reason: 'DUPLICATE',
          detail: { legs: group.map(ref) },
        });
      }
    }
    // One leg per stop takes part in field comparison (the lowest leg id, so the choice is order-free);
    // extra legs at a stop are duplicates and already reported as such.
    primary = byStop.map((g) => g[0] as LegFacts);
  }

  // Legs that disagree on the route, in this case or as other cases of the same reference: one finding.
  if (routeGroups.length > 1 || otherCases.length > 0) {
    findings.push({
      key: 'UNEXPECTED_LEG:route',
      reason: 'UNEXPECTED_LEG',
      detail: {
        ...(routeGroups.length > 1 ? { groups: routeGroups.map((g) => g.map(ref)) } : {}),
        ...(otherCases.length > 0 ? { otherCases: sortedCopy(otherCases, byText) } : {}),
      },
    });
  }

  const currencyDiffers = !allSame(primary, 'currency');
  const differing = new Map<BreakReason, { fields: MatchField[]; groups: LegRef[][] }>();
  for (const field of MATCH_FIELDS) {
    // Amounts in different currencies do not compare: the currency break says it all.
    if (field === 'amountMinor' && currencyDiffers) continue;
    if (allSame(primary, field)) continue;
    const groups = groupBy(primary, (l) => l.digests[field]);
    const reason = FIELD_REASON[field];
    const entry = differing.get(reason) ?? { fields: [], groups: [] };
    entry.fields.push(field);
    if (entry.groups.length === 0) entry.groups = groups.map((g) => g.map(ref));
    differing.set(reason, entry);
  }
  for (const [reason, { fields, groups }] of differing)
    findings.push({ key: reason, reason, detail: { fields, groups } });

  const missing = expected.filter((s) => !sorted.some((l) => l.mspId === s.mspId && l.role === s.role));
  if (serviceLevelPassed && missing.length > 0) {
    findings.push({ key: 'MISSING_LEG', reason: 'MISSING_LEG', detail: { missing } });
  }

  findings.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const status: CaseStatus = findings.length > 0 ? 'BROKEN' : missing.length === 0 ? 'MATCHED' : 'PENDING';
  return { status, expected, findings };
}
