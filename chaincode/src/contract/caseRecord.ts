import { routeText, type LegRole, type MatchField, type RouteStop } from '../core/leg';
import type { CaseStatus } from '../core/matching';

/** A leg as the public case record shows it: who posted it where and when; its details are sealed apart (LegIndexRecord). */
export interface CaseLeg {
  readonly legId: string;
  readonly mspId: string;
  readonly role: LegRole;
  readonly route: readonly RouteStop[];
  readonly postedAt: string;
  readonly txId: string;
  /** SHA-256 of `reference ␟ field ␟ value` per match field: what matching compares, what anyone can re-check. */
  readonly digests: Readonly<Record<MatchField, string>>;
}

export interface CaseBreakRef {
  readonly findingKey: string;
  readonly breakId: string;
  readonly open: boolean;
  readonly cleared: boolean;
}

/** The public record of a case: what every member may see. No amount, account or payment reference. */
export interface CaseRecord {
  readonly caseId: string;
  readonly parties: readonly string[];
  readonly expected: readonly RouteStop[];
  readonly status: CaseStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly matchedAt?: string;
  readonly serviceLevelMs: number;
  readonly dueAtMs: number;
  /** Whether the case still sits in the due index (waits for legs). */
  readonly awaitingLegs: boolean;
  readonly legs: readonly CaseLeg[];
  readonly breaks: readonly CaseBreakRef[];
}

/**
 * The public record of a posted leg, written once: the case it went to, the hash of what was posted (a re-post
 * must match it), and the leg as posted, sealed with the payment reference so that only the parties can open it.
 */
export interface LegIndexRecord {
  readonly caseId: string;
  readonly inputHash: string;
  readonly txId: string;
  readonly postedAt: string;
  /**
   * The leg's details, sealed: its match fields and branch. What the case record shows of the leg (id,
   * institution, role, route) and the reference, which every reader must know, are not repeated. Written for
   * the first leg of a case (and for every leg posted before 2026-11-28).
   */
  readonly sealedDetail?: string;
  /**
   * A later leg's details are those of the case's first leg, `<MSP ID>:<leg id>`, except for what
   * `sealedDiff` holds: the match fields that differ, and the leg's own branch. Without sealedDiff, the leg
   * matches the first in every field and has no branch.
   */
  readonly baseLeg?: string;
  readonly sealedDiff?: string;
  /**
   * Records written on 2026-11-27 seal the whole leg here instead; records written before 2026-11-27 have
   * neither, their sealed copy is under keys.legacySealedLeg. Read only.
   */
  readonly sealed?: string;
}

export interface OpenBreakIndexEntry {
  readonly breakId: string;
  readonly caseId: string;
}

// ---- the stored form of a case record -----------------------------------------------------------------

/**
 * The case record as the ledger stores it (format 2). It is rewritten at every leg and kept in every version
 * by the key history, so it is compact: each leg is one array instead of an object with named fields, its six
 * salted digests one string, and each route one text, listed once however many legs declare it. `getCase`,
 * the history and the chaincode itself always see the full CaseRecord (decodeCaseRecord); the stored form
 * never leaves the chaincode.
 *
 * A leg: [legId, mspId, role, postedAt, txId, digests, route], where digests are the base64 digests of
 * STORED_DIGEST_ORDER joined by '.' (not a base64 character), a later leg's left empty where they equal the
 * first leg's (storedDigests), and route indexes `routes`.
 */
export interface StoredCaseRecord extends Omit<CaseRecord, 'expected' | 'legs'> {
  readonly v: 2;
  /** routeText of the expected route. */
  readonly expected: string;
  readonly legs: readonly StoredCaseLeg[];
  readonly routes: readonly string[];
}

export type StoredCaseLeg = readonly [
  legId: string,
  mspId: string,
  role: LegRole,
  postedAt: string,
  txId: string,
  digests: string,
  route: number,
];

/** The order of the digests in a stored leg: fixed here, never derived, so that stored records keep their meaning. */
export const STORED_DIGEST_ORDER = [
  'amountMinor',
  'currency',
  'outcome',
  'payeeRef',
  'payerRef',
  'valueDate',
] as const satisfies readonly MatchField[];

/** The stop list of a routeText ("MSP/ROLE>MSP/ROLE..."): MSP IDs hold neither '/' nor '>'. */
export function routeFromText(text: string): RouteStop[] {
  return text.split('>').map((stop) => {
    const slash = stop.indexOf('/');
    return { mspId: stop.slice(0, slash), role: stop.slice(slash + 1) as LegRole };
  });
}

/**
 * A leg's digests as stored: in STORED_DIGEST_ORDER, joined by '.'. A later leg leaves a digest empty where it
 * equals the first leg's (most legs match, so most later legs store "....."); the first leg stores all six.
 */
function storedDigests(leg: CaseLeg, first: CaseLeg | undefined): string {
  let text = '';
  for (let i = 0; i < STORED_DIGEST_ORDER.length; i++) {
    const f = STORED_DIGEST_ORDER[i] as MatchField;
    const d = leg.digests[f];
    if (i > 0) text += '.';
    if (first === undefined || first.digests[f] !== d) text += d;
  }
  return text;
}

export function encodeCaseRecord(record: CaseRecord): StoredCaseRecord {
  const routes: string[] = [];
  const first = record.legs[0];
  // Legs decoded from one stored route share its stop list: its text is worked out once.
  const seen = new Map<readonly RouteStop[], number>();
  const legs = record.legs.map((l, i): StoredCaseLeg => {
    let route = seen.get(l.route);
    if (route === undefined) {
      const text = routeText(l.route);
      route = routes.indexOf(text);
      if (route < 0) route = routes.push(text) - 1;
      seen.set(l.route, route);
    }
    return [
      l.legId,
      l.mspId,
      l.role,
      l.postedAt,
      l.txId,
      storedDigests(l, i === 0 ? undefined : first),
      route,
    ];
  });
  // Keys in sorted order: canonicalJson then writes it with the engine's JSON.stringify.
  return {
    awaitingLegs: record.awaitingLegs,
    breaks: record.breaks,
    caseId: record.caseId,
    dueAtMs: record.dueAtMs,
    expected: routeText(record.expected),
    legs,
    matchedAt: record.matchedAt,
    openedAt: record.openedAt,
    parties: record.parties,
    routes,
    serviceLevelMs: record.serviceLevelMs,
    status: record.status,
    updatedAt: record.updatedAt,
    v: 2,
  };
}

/** The full record from what the ledger holds: format 2, or a record written before it (already full). */
export function decodeCaseRecord(stored: unknown): CaseRecord {
  const s = stored as StoredCaseRecord | CaseRecord;
  if (!('v' in s)) return s;
  const format: unknown = s.v;
  if (format !== 2) throw new Error(`case ${s.caseId}: unknown record format ${String(format)}`);
  const routes = s.routes.map(routeFromText);
  let first: Readonly<Record<MatchField, string>> | undefined;
  const legs = s.legs.map(([legId, mspId, role, postedAt, txId, text, route]): CaseLeg => {
    const parts = text.split('.');
    if (parts.length !== STORED_DIGEST_ORDER.length)
      throw new Error(`case ${s.caseId}: leg ${legId} does not hold ${STORED_DIGEST_ORDER.length} digests`);
    const digests = {} as Record<MatchField, string>;
    for (let i = 0; i < STORED_DIGEST_ORDER.length; i++) {
      const f = STORED_DIGEST_ORDER[i] as MatchField;
      const d = parts[i] as string;
      if (d !== '') digests[f] = d;
      else if (first !== undefined) digests[f] = first[f];
      else throw new Error(`case ${s.caseId}: its first leg ${legId} leaves the ${f} digest empty`);
    }
    first ??= digests;
    const stops = routes[route];
    if (stops === undefined) throw new Error(`case ${s.caseId}: leg ${legId} names no stored route`);
    return { digests, legId, mspId, postedAt, role, route: stops, txId };
  });
  return {
    awaitingLegs: s.awaitingLegs,
    breaks: s.breaks,
    caseId: s.caseId,
    dueAtMs: s.dueAtMs,
    expected: routeFromText(s.expected),
    legs,
    ...(s.matchedAt === undefined ? {} : { matchedAt: s.matchedAt }),
    openedAt: s.openedAt,
    parties: s.parties,
    serviceLevelMs: s.serviceLevelMs,
    status: s.status,
    updatedAt: s.updatedAt,
  };
}
