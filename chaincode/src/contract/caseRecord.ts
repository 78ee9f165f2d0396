import type { CaseLeg, CaseRecord } from '../api/reconciliation';
import { routeFromText, routeText, type LegRole, type MatchField, type RouteStop } from '../core/leg';
import type { CaseStatus } from '../core/matching';

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
 * The case record as the ledger stores it (format 3). It is rewritten at every leg and kept in every version
 * by the key history, and every byte of it is encoded, hashed, written and read back several times on its way
 * through a block, so it is compact: one array of fields in a fixed order, with no field names; each leg one
 * array; each route one text, listed once however many legs (and the expected route) name it. `getCase`, the
 * history and the chaincode itself always see the full CaseRecord (decodeCaseRecord); the stored form never
 * leaves the chaincode.
 *
 * A leg: [legId, mspId, role, postedAt, txId, digests, route], where digests are the base64 digests of
 * STORED_DIGEST_ORDER joined by '.' (not a base64 character), a later leg's left empty where they equal the
 * first leg's (storedDigests), and route indexes `routes`. A break: [breakId, findingKey, open, cleared],
 * the flags as 0 or 1.
 */
export type StoredCaseRecord = readonly [
  format: 3,
  caseId: string,
  status: CaseStatus,
  openedAt: string,
  updatedAt: string,
  /** '' until the case matched. */
  matchedAt: string,
  serviceLevelMs: number,
  dueAtMs: number,
  awaitingLegs: 0 | 1,
  /** Indexes `routes`. */
  expected: number,
  parties: readonly string[],
  routes: readonly string[],
  legs: readonly StoredCaseLeg[],
  breaks: readonly StoredBreakRef[],
];

export type StoredCaseLeg = readonly [
  legId: string,
  mspId: string,
  role: LegRole,
  postedAt: string,
  txId: string,
  digests: string,
  route: number,
];

type StoredBreakRef = readonly [breakId: string, findingKey: string, open: 0 | 1, cleared: 0 | 1];

/** Format 2 (2026-11-27): an object with named fields, legs stored as in format 3, `expected` as text. */
interface StoredCaseRecordV2 extends Omit<CaseRecord, 'expected' | 'legs'> {
  readonly v: 2;
  readonly expected: string;
  readonly legs: readonly StoredCaseLeg[];
  readonly routes: readonly string[];
}

/** The order of the digests in a stored leg: fixed here, never derived, so that stored records keep their meaning. */
export const STORED_DIGEST_ORDER = [
  'amountMinor',
  'currency',
  'outcome',
  'payeeRef',
  'payerRef',
  'valueDate',
] as const satisfies readonly MatchField[];

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
  // Legs decoded from one stored route share its stop list: its text is worked out once.
  const seen = new Map<readonly RouteStop[], number>();
  const routeIndex = (route: readonly RouteStop[]): number => {
    let index = seen.get(route);
    if (index === undefined) {
      const text = routeText(route);
      index = routes.indexOf(text);
      if (index < 0) index = routes.push(text) - 1;
      seen.set(route, index);
    }
    return index;
  };
  const first = record.legs[0];
  const legs = record.legs.map((l, i): StoredCaseLeg => [
    l.legId,
    l.mspId,
    l.role,
    l.postedAt,
    l.txId,
    storedDigests(l, i === 0 ? undefined : first),
    routeIndex(l.route),
  ]);
  return [
    3,
    record.caseId,
    record.status,
    record.openedAt,
    record.updatedAt,
    record.matchedAt ?? '',
    record.serviceLevelMs,
    record.dueAtMs,
    record.awaitingLegs ? 1 : 0,
    routeIndex(record.expected),
    record.parties,
    routes,
    legs,
    record.breaks.map((b): StoredBreakRef => [b.breakId, b.findingKey, b.open ? 1 : 0, b.cleared ? 1 : 0]),
  ];
}

/** The full legs of a stored record (formats 2 and 3). */
function decodeLegs(caseId: string, stored: readonly StoredCaseLeg[], routes: RouteStop[][]): CaseLeg[] {
  let first: Readonly<Record<MatchField, string>> | undefined;
  return stored.map(([legId, mspId, role, postedAt, txId, text, route]): CaseLeg => {
    const parts = text.split('.');
    if (parts.length !== STORED_DIGEST_ORDER.length)
      throw new Error(`case ${caseId}: leg ${legId} does not hold ${STORED_DIGEST_ORDER.length} digests`);
    const digests = {} as Record<MatchField, string>;
    for (let i = 0; i < STORED_DIGEST_ORDER.length; i++) {
      const f = STORED_DIGEST_ORDER[i] as MatchField;
      const d = parts[i] as string;
      if (d !== '') digests[f] = d;
      else if (first !== undefined) digests[f] = first[f];
      else throw new Error(`case ${caseId}: its first leg ${legId} leaves the ${f} digest empty`);
    }
    first ??= digests;
    return { digests, legId, mspId, postedAt, role, route: storedRoute(caseId, routes, route), txId };
  });
}

function storedRoute(caseId: string, routes: RouteStop[][], index: number): RouteStop[] {
  const stops = routes[index];
  if (stops === undefined)
    throw new Error(`case ${caseId}: a leg or the expected route names no stored route`);
  return stops;
}

/** The full record from what the ledger holds: format 3, format 2, or a full record (written before both). */
export function decodeCaseRecord(stored: unknown): CaseRecord {
  if (Array.isArray(stored)) {
    const format: unknown = stored[0];
    if (format !== 3) throw new Error(`case ${String(stored[1])}: unknown record format ${String(format)}`);
    const s = stored as unknown as StoredCaseRecord;
    const [
      ,
      caseId,
      status,
      openedAt,
      updatedAt,
      matchedAt,
      serviceLevelMs,
      dueAtMs,
      awaiting,
      expected,
      parties,
      storedRoutes,
      legs,
      breaks,
    ] = s;
    const routes = storedRoutes.map(routeFromText);
    return {
      awaitingLegs: awaiting === 1,
      breaks: breaks.map(([breakId, findingKey, open, cleared]) => ({
        breakId,
        cleared: cleared === 1,
        findingKey,
        open: open === 1,
      })),
      caseId,
      dueAtMs,
      expected: storedRoute(caseId, routes, expected),
      legs: decodeLegs(caseId, legs, routes),
      ...(matchedAt === '' ? {} : { matchedAt }),
      openedAt,
      parties,
      serviceLevelMs,
      status,
      updatedAt,
    };
  }
  const s = stored as StoredCaseRecordV2 | CaseRecord;
  if (!('v' in s)) return s;
  const format: unknown = s.v;
  if (format !== 2) throw new Error(`case ${s.caseId}: unknown record format ${String(format)}`);
  return {
    awaitingLegs: s.awaitingLegs,
    breaks: s.breaks,
    caseId: s.caseId,
    dueAtMs: s.dueAtMs,
    expected: routeFromText(s.expected),
    legs: decodeLegs(s.caseId, s.legs, s.routes.map(routeFromText)),
    ...(s.matchedAt === undefined ? {} : { matchedAt: s.matchedAt }),
    openedAt: s.openedAt,
    parties: s.parties,
    serviceLevelMs: s.serviceLevelMs,
    status: s.status,
    updatedAt: s.updatedAt,
  };
}
