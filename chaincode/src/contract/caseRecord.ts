import type { CaseLeg, CaseRecord } from '../api/reconciliation';
import { routeFromText, routeText, type LegRole, type MatchField } from '../core/leg';
import { textOfRoute } from '../ledger/routeMemo';
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
   * the first leg of a case.
   */
  readonly sealedDetail?: string;
  /**
   * A later leg's details are those of the case's first leg, `<MSP ID>:<leg id>`, except for what
   * `sealedDiff` holds: the match fields that differ, and the leg's own branch. Without sealedDiff, the leg
   * matches the first in every field and has no branch.
   */
  readonly baseLeg?: string;
  readonly sealedDiff?: string;
}

export interface OpenBreakIndexEntry {
  readonly breakId: string;
  readonly caseId: string;
}

// ---- the case record codec -----------------------------------------------------------------------------

/**
 * The case record as the ledger stores it: the one on-ledger format. It is rewritten at every leg and kept in
 * every version by the key history, and every byte of it is encoded, hashed, written and read back several
 * times on its way through a block, so the codec keeps it compact: one array of fields in a fixed order with no
 * field names, each leg one array, the case's route one text (every leg of a case declares that route). `getCase`,
 * the history and the chaincode itself always see the full CaseRecord (decodeCaseRecord); the stored form never
 * leaves the chaincode. What the compact form saves is measured in docs/PERFORMANCE-NOTES.md.
 *
 * A leg: [legId, mspId, role, postedAt, txId, digests], where digests are the base64 digests of
 * STORED_DIGEST_ORDER joined by '.' (not a base64 character), a later leg's left empty where they equal the
 * first leg's (storedDigests); a correction has a seventh element, the id of the leg it corrects. A break: [breakId, findingKey, open, cleared], the flags as 0 or 1.
 */
export type StoredCaseRecord = readonly [
  format: typeof CASE_RECORD_FORMAT,
  caseId: string,
  status: CaseStatus,
  openedAt: string,
  updatedAt: string,
  /** '' until the case matched. */
  matchedAt: string,
  serviceLevelMs: number,
  dueAtMs: number,
  awaitingLegs: 0 | 1,
  /** routeText of the case's route: what every leg declares, and what is expected to post. */
  route: string,
  parties: readonly string[],
  otherCases: readonly string[],
  legs: readonly StoredCaseLeg[],
  breaks: readonly StoredBreakRef[],
  /** Only when the case holds notices: each `[tag, box]`. */
  notices?: readonly (readonly [t: string, b: string])[],
];

/** The format tag a stored case record starts with; a record without it is refused, never guessed at. */
export const CASE_RECORD_FORMAT = 'case/1';

export type StoredCaseLeg = readonly [
  legId: string,
  mspId: string,
  role: LegRole,
  postedAt: string,
  txId: string,
  digests: string,
  corrects?: string,
];

type StoredBreakRef = readonly [breakId: string, findingKey: string, open: 0 | 1, cleared: 0 | 1];

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
  const route = textOfRoute(record.expected);
  const first = record.legs[0];
  const legs = record.legs.map((l, i): StoredCaseLeg => {
    if (l.route !== record.expected && routeText(l.route) !== route)
      throw new Error(`case ${record.caseId}: leg ${l.legId} declares a route other than the case's`);
    const digests = storedDigests(l, i === 0 ? undefined : first);
    return l.corrects === undefined
      ? [l.legId, l.mspId, l.role, l.postedAt, l.txId, digests]
      : [l.legId, l.mspId, l.role, l.postedAt, l.txId, digests, l.corrects];
  });
  const fields = [
    CASE_RECORD_FORMAT,
    record.caseId,
    record.status,
    record.openedAt,
    record.updatedAt,
    record.matchedAt ?? '',
    record.serviceLevelMs,
    record.dueAtMs,
    record.awaitingLegs ? 1 : 0,
    route,
    record.parties,
    record.otherCases,
    legs,
    record.breaks.map((b): StoredBreakRef => [b.breakId, b.findingKey, b.open ? 1 : 0, b.cleared ? 1 : 0]),
  ] as const;
  const notices = record.notices;
  return notices === undefined || notices.length === 0
    ? fields
    : [...fields, notices.map((n) => [n.t, n.b] as const)];
}

/** The full record from what the ledger holds. */
export function decodeCaseRecord(stored: unknown): CaseRecord {
  if (!Array.isArray(stored) || stored[0] !== CASE_RECORD_FORMAT) {
    const tag: unknown = Array.isArray(stored) ? stored[0] : undefined;
    throw new Error(`a case record must start with ${CASE_RECORD_FORMAT}, found ${JSON.stringify(tag)}`);
  }
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
    routeTextStored,
    parties,
    otherCases,
    legs,
    breaks,
    notices,
  ] = stored as unknown as StoredCaseRecord;
  const route = routeFromText(routeTextStored);
  let first: Readonly<Record<MatchField, string>> | undefined;
  const decodedLegs = legs.map(([legId, mspId, role, postedAt, txId, text, corrects]): CaseLeg => {
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
    return corrects === undefined
      ? { digests, legId, mspId, postedAt, role, route, txId }
      : { corrects, digests, legId, mspId, postedAt, role, route, txId };
  });
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
    expected: route,
    legs: decodedLegs,
    ...(matchedAt === '' ? {} : { matchedAt }),
    ...(notices === undefined ? {} : { notices: notices.map(([t, b]) => ({ b, t })) }),
    openedAt,
    otherCases,
    parties,
    serviceLevelMs,
    status,
    updatedAt,
  };
}

/**
 * The cases of one payment reference as the ledger stores them, under one key (keys.referenceCases): their
 * case/1 records in case id order. A payment nearly always has one route and so one case; a leg declaring
 * another route adds a case here, and the one point read that finds a case finds its siblings too.
 */
export function encodeReferenceCases(records: readonly CaseRecord[]): StoredCaseRecord[] {
  return records.map(encodeCaseRecord);
}

export function decodeReferenceCases(stored: unknown): CaseRecord[] {
  if (!Array.isArray(stored) || stored.length === 0)
    throw new Error('the cases of a reference must be a non-empty array of case records');
  return stored.map(decodeCaseRecord);
}
