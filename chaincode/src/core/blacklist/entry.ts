import { assertNever } from '../assert';
import { fail } from '../errors';
import { parseIsoDate, parseText } from '../reference';
import { byText, sortedCopy } from '../sorted';
import { addDays, dayOf, daysBetween } from './dates';
import { BLACKLIST_LIMITS } from './limits';
import { categoryRule, parseCode, type BlacklistPolicy } from './policy';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * An entry's status as stored. EXPIRED is never stored: an ACTIVE or DISPUTED entry past its expiry date is
 * EXPIRED from that day (effectiveStatus), without a transaction to say so.
 */
export const ENTRY_STATUSES = ['ACTIVE', 'DISPUTED', 'REVOKED', 'EXPIRED'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];
export type StoredEntryStatus = Exclude<EntryStatus, 'EXPIRED'>;

/** A subject's ledger key under one version of the consortium key (docs/BLACKLIST.md). */
export interface SubjectRef {
  readonly keyVersion: number;
  /** HMAC-SHA256 under that version, 64 lower-case hex characters. */
  readonly subjectKey: string;
}

/**
 * The uploader's evidence, kept in its own implicit private collection; only its hash is public. The salt, from
 * the uploader's node, keeps the hash from being tested against guessed texts (the peers' hashed private state
 * is a plain SHA-256 of the value).
 */
export interface Evidence {
  readonly salt: string;
  readonly summary: string;
  /** SHA-256 (hex) of each document the uploader holds: what it would deliver on request. */
  readonly documentHashes: readonly string[];
}

/** One entry of an upload, as the core accepts it. */
export interface UploadItem {
  readonly subject: SubjectRef;
  readonly category: string;
  readonly severity: Severity;
  /** Sorted, distinct. */
  readonly indicators: readonly string[];
  readonly evidence: Evidence;
  /** The expiry date asked for; null: the longest the category allows. */
  readonly expiresOn: string | null;
}

/** An entry as the ledger keeps it (public state). Its key: subject key, uploader, category. */
export interface EntryRecord {
  readonly subjectKey: string;
  readonly keyVersion: number;
  readonly uploader: string;
  readonly category: string;
  readonly severity: Severity;
  readonly indicators: readonly string[];
  /** SHA-256 of the evidence's canonical JSON; the evidence itself is in the uploader's private collection. */
  readonly evidenceHash: string;
  readonly listedAt: string;
  readonly listedOn: string;
  readonly expiresOn: string;
  readonly status: StoredEntryStatus;
  /** The transaction that listed it, and the policy version it was listed under. */
  readonly txId: string;
  readonly policyVersion: number;
  /** The hash of the upload as given (idempotency: the same upload again changes nothing). */
  readonly inputHash: string;
  /** When a listing replaces an expired one: the transaction of the listing it replaces. */
  readonly relists?: string;
  /** Institutions whose queries found it and that confirmed it (sorted; never the uploader). Item 4. */
  readonly confirmedBy?: readonly string[];
  /** The dispute open on it, or the last one (dispute.ts). */
  readonly dispute?: string;
  /** How it was revoked: retracted by its uploader, or by the members' vote. */
  readonly revocation?: Revocation;
  /** Its private evidence after revocation: to be purged by the uploader (DUE), or purged (DONE). */
  readonly evidencePurge?: EvidencePurge;
}

export interface Revocation {
  readonly how: 'RETRACTED' | 'VOTE';
  readonly disputeId: string;
  readonly at: string;
  readonly txId: string;
}

export interface EvidencePurge {
  readonly status: 'DUE' | 'DONE';
  readonly dueSince: string;
  readonly purgedAt: string | null;
  readonly txId: string | null;
}

export type UploadOutcome = 'LISTED' | 'UNCHANGED';

export interface UploadResult {
  readonly subjectKey: string;
  readonly keyVersion: number;
  readonly category: string;
  readonly uploader: string;
  readonly outcome: UploadOutcome;
  readonly status: EntryStatus;
  readonly expiresOn: string;
  /** The transaction that listed the entry (this one, or the earlier one for UNCHANGED). */
  readonly txId: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const SALT = /^[0-9a-f]{32,64}$/;
export const KEY_VERSION_MAX = 2_147_483_647;

export function parseSubjectRef(raw: unknown, field: string): SubjectRef {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object { keyVersion, subjectKey }`);
  const o = raw as Record<string, unknown>;
  const keyVersion = o.keyVersion;
  if (
    typeof keyVersion !== 'number' ||
    !Number.isInteger(keyVersion) ||
    keyVersion < 1 ||
    keyVersion > KEY_VERSION_MAX
  )
    fail('INVALID_INPUT', `${field}.keyVersion must be a whole number from 1 to ${KEY_VERSION_MAX}`);
  if (typeof o.subjectKey !== 'string' || !HEX64.test(o.subjectKey))
    fail(
      'INVALID_INPUT',
      `${field}.subjectKey must be the subject's keyed hash, 64 lower-case hex characters (identifiers are hashed on the node, never sent)`,
    );
  return { keyVersion, subjectKey: o.subjectKey };
}

function parseEvidence(raw: unknown, field: string): Evidence {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object { salt, summary, documentHashes }`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['documentHashes', 'salt', 'summary'].includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected salt, summary, documentHashes)`);
  if (typeof o.salt !== 'string' || !SALT.test(o.salt))
    fail(
      'INVALID_INPUT',
      `${field}.salt must be 32 to 64 lower-case hex characters chosen at random by the node`,
    );
  const summary = parseText(o.summary, `${field}.summary`, BLACKLIST_LIMITS.evidenceSummaryMax);
  const docs = o.documentHashes ?? [];
  if (!Array.isArray(docs) || docs.length > BLACKLIST_LIMITS.evidenceDocumentsMax)
    fail(
      'INVALID_INPUT',
      `${field}.documentHashes must be an array of at most ${BLACKLIST_LIMITS.evidenceDocumentsMax} SHA-256 hashes`,
    );
  const documentHashes = docs.map((d: unknown, i) => {
    if (typeof d !== 'string' || !HEX64.test(d))
      fail(
        'INVALID_INPUT',
        `${field}.documentHashes[${i}] must be a SHA-256 hash, 64 lower-case hex characters`,
      );
    return d;
  });
  return { documentHashes, salt: o.salt, summary };
}

const UPLOAD_FIELDS = ['category', 'evidence', 'expiresOn', 'indicators', 'severity', 'subject'];

/**
 * One entry of an upload, checked against the policy in force: the category exists, the indicators are the
 * policy's and enough for the category, the expiry (if asked) is after the listing day and within the category's
 * longest period. `today` is the transaction's day. Refusals name the field (`entries[3].indicators: …`).
 */
export function parseUploadItem(
  raw: unknown,
  policy: BlacklistPolicy,
  today: string,
  field: string,
): UploadItem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!UPLOAD_FIELDS.includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected ${UPLOAD_FIELDS.join(', ')})`);
  const subject = parseSubjectRef(o.subject, `${field}.subject`);
  const category = parseCode(o.category, `${field}.category`);
  const rule = categoryRule(policy, category, `${field}.category`);
  if (typeof o.severity !== 'string' || !(SEVERITIES as readonly string[]).includes(o.severity))
    fail(
      'INVALID_INPUT',
      `${field}.severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(o.severity)}`,
    );
  const severity = o.severity as Severity;
  if (!Array.isArray(o.indicators) || o.indicators.length > BLACKLIST_LIMITS.indicatorsMax)
    fail(
      'INVALID_INPUT',
      `${field}.indicators must be an array of at most ${BLACKLIST_LIMITS.indicatorsMax} codes`,
    );
  const indicators = sortedCopy(
    o.indicators.map((v: unknown, i) => parseCode(v, `${field}.indicators[${i}]`)),
    byText,
  );
  indicators.forEach((c, i) => {
    if (i > 0 && indicators[i - 1] === c) fail('INVALID_INPUT', `${field}.indicators names ${c} twice`);
    if (!policy.indicators.includes(c))
      fail('POLICY_VIOLATION', `${field}.indicators: ${c} is not an indicator of the policy`);
  });
  if (indicators.length < rule.indicatorsMin)
    fail(
      'POLICY_VIOLATION',
      `${field}.indicators: ${category} needs at least ${rule.indicatorsMin} distinct indicators, got ${indicators.length}`,
    );
  const evidence = parseEvidence(o.evidence, `${field}.evidence`);
  let expiresOn: string | null = null;
  if (o.expiresOn !== undefined && o.expiresOn !== null) {
    expiresOn = parseIsoDate(o.expiresOn, `${field}.expiresOn`);
    const days = daysBetween(today, expiresOn);
    if (days < 1)
      fail('POLICY_VIOLATION', `${field}.expiresOn ${expiresOn} is not after the listing day ${today}`);
    if (days > rule.listingDaysMax)
      fail(
        'POLICY_VIOLATION',
        `${field}.expiresOn ${expiresOn} is ${days} days after the listing day; ${category} may be listed for at most ${rule.listingDaysMax}`,
      );
  }
  return { category, evidence, expiresOn, indicators, severity, subject };
}

/** Two entries of one upload may not name the same subject key in the same category. */
export function checkUploadDistinct(items: readonly UploadItem[], field: string): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const id = `${item.subject.subjectKey}:${item.category}`;
    const earlier = seen.get(id);
    if (earlier !== undefined)
      fail(
        'INVALID_INPUT',
        `${field}[${i}] lists the same subject in ${item.category} as ${field}[${earlier}]`,
      );
    seen.set(id, i);
  });
}

/** An entry's status on a given day: a listing past its expiry date has expired, whatever is stored. */
export function effectiveStatus(
  entry: Pick<EntryRecord, 'status' | 'expiresOn'>,
  today: string,
): EntryStatus {
  const s = entry.status;
  switch (s) {
    case 'ACTIVE':
    case 'DISPUTED':
      return today > entry.expiresOn ? 'EXPIRED' : s;
    case 'REVOKED':
      return s;
    default:
      return assertNever(s, 'entry status');
  }
}

export interface UploadMeta {
  readonly uploader: string;
  readonly at: string;
  readonly txId: string;
  readonly policyVersion: number;
  readonly policy: BlacklistPolicy;
  /** The hash of the item as given, with its evidence hash (computed by the contract: the core has no crypto). */
  readonly inputHash: string;
  readonly evidenceHash: string;
}

export type UploadDecision =
  | { readonly outcome: 'UNCHANGED'; readonly result: UploadResult }
  | { readonly outcome: 'LISTED'; readonly entry: EntryRecord; readonly result: UploadResult };

/**
 * What an upload does to the entry of its uploader, subject and category (`existing`, if any):
 * - none yet, or the earlier one expired: a new listing;
 * - the same upload as the one in force (same input hash): nothing, UNCHANGED;
 * - another upload while one is in force: IDEMPOTENCY_CONFLICT naming it (an entry is changed by a dispute or a
 *   retraction, not by uploading over it);
 * - the earlier one revoked after a dispute: refused, INVALID_TRANSITION (the members decided).
 */
export function decideUpload(
  existing: EntryRecord | undefined,
  item: UploadItem,
  meta: UploadMeta,
): UploadDecision {
  const today = dayOf(meta.at);
  if (existing !== undefined) {
    const status = effectiveStatus(existing, today);
    switch (status) {
      case 'ACTIVE':
      case 'DISPUTED':
        if (existing.inputHash !== meta.inputHash)
          fail(
            'IDEMPOTENCY_CONFLICT',
            `${meta.uploader} already lists this subject in ${item.category} with other content (tx ${existing.txId}); an entry in force is changed by a dispute or a retraction, not by uploading again`,
          );
        return { outcome: 'UNCHANGED', result: resultOf(existing, 'UNCHANGED', status) };
      case 'REVOKED':
        return fail(
          'INVALID_TRANSITION',
          `the entry of ${meta.uploader} about this subject in ${item.category} was revoked (tx ${existing.txId}) and cannot be listed again`,
        );
      case 'EXPIRED':
        break;
      default:
        assertNever(status, 'entry status');
    }
  }
  const rule = categoryRule(meta.policy, item.category, 'category');
  const entry: EntryRecord = {
    category: item.category,
    evidenceHash: meta.evidenceHash,
    expiresOn: item.expiresOn ?? addDays(today, rule.listingDaysMax),
    indicators: item.indicators,
    inputHash: meta.inputHash,
    keyVersion: item.subject.keyVersion,
    listedAt: meta.at,
    listedOn: today,
    policyVersion: meta.policyVersion,
    ...(existing === undefined ? {} : { relists: existing.txId }),
    severity: item.severity,
    status: 'ACTIVE',
    subjectKey: item.subject.subjectKey,
    txId: meta.txId,
    uploader: meta.uploader,
  };
  return { outcome: 'LISTED', entry, result: resultOf(entry, 'LISTED', 'ACTIVE') };
}

function resultOf(entry: EntryRecord, outcome: UploadOutcome, status: EntryStatus): UploadResult {
  return {
    category: entry.category,
    expiresOn: entry.expiresOn,
    keyVersion: entry.keyVersion,
    outcome,
    status,
    subjectKey: entry.subjectKey,
    txId: entry.txId,
    uploader: entry.uploader,
  };
}
