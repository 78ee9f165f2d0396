import type { Actor } from '../actor';
import { fail } from '../errors';
import { parseIsoDate } from '../reference';
import { byText, sortedCopy } from '../sorted';
import { dayOf } from './dates';
import {
  effectiveStatus,
  parseSubjectRef,
  type EntryRecord,
  type EntryStatus,
  type SubjectRef,
} from './entry';
import { BLACKLIST_LIMITS } from './limits';
import { parseCode, type BlacklistPolicy } from './policy';

/** The subject's authorisation: the hash of what the subject signed (kept by the querier) and its expiry. */
export interface Consent {
  readonly hash: string;
  readonly expiresOn: string;
}

export interface QueryInput {
  /** The subject's keys: under the writing version and, during a rotation, the other (distinct versions). */
  readonly subjects: readonly SubjectRef[];
  readonly purpose: string;
  /** Null only for a purpose the policy exempts. */
  readonly consent: Consent | null;
}

/** The purpose of a subject's own report (who looked, what is listed): never exempt from consent. */
export const SUBJECT_REPORT_PURPOSE = 'SUBJECT_REPORT';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A query as asked, checked against the policy: a purpose the policy names, and a consent that has not expired
 * on the transaction's day unless the purpose is exempt (a consent given for an exempt purpose is recorded too).
 */
export function parseQuery(
  raw: unknown,
  policy: BlacklistPolicy,
  today: string,
  field = 'query',
): QueryInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object { subjects, purpose, consent }`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['consent', 'purpose', 'subjects'].includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected subjects, purpose, consent)`);
  if (
    !Array.isArray(o.subjects) ||
    o.subjects.length < 1 ||
    o.subjects.length > BLACKLIST_LIMITS.querySubjectsMax
  )
    fail(
      'INVALID_INPUT',
      `${field}.subjects must be 1 to ${BLACKLIST_LIMITS.querySubjectsMax} subject keys (one per key version held)`,
    );
  const subjects = o.subjects.map((s: unknown, i) => parseSubjectRef(s, `${field}.subjects[${i}]`));
  if (new Set(subjects.map((s) => s.keyVersion)).size !== subjects.length)
    fail('INVALID_INPUT', `${field}.subjects: one key per key version`);
  const purpose = parseCode(o.purpose, `${field}.purpose`);
  if (!policy.purposes.includes(purpose))
    fail(
      'POLICY_VIOLATION',
      `${field}.purpose: ${purpose} is not a purpose of the policy (${policy.purposes.join(', ')})`,
    );
  const exempt = policy.exemptPurposes.includes(purpose) && purpose !== SUBJECT_REPORT_PURPOSE;
  let consent: Consent | null = null;
  if (o.consent !== undefined && o.consent !== null) {
    if (typeof o.consent !== 'object' || Array.isArray(o.consent))
      fail('INVALID_INPUT', `${field}.consent must be an object { hash, expiresOn }`);
    const c = o.consent as Record<string, unknown>;
    for (const k of Object.keys(c))
      if (!['expiresOn', 'hash'].includes(k))
        fail('INVALID_INPUT', `${field}.consent.${k} is not a field (expected hash, expiresOn)`);
    if (typeof c.hash !== 'string' || !HEX64.test(c.hash))
      fail(
        'INVALID_INPUT',
        `${field}.consent.hash must be the SHA-256 of the subject's signed authorisation, 64 lower-case hex characters`,
      );
    const expiresOn = parseIsoDate(c.expiresOn, `${field}.consent.expiresOn`);
    if (expiresOn < today)
      fail('CONSENT_EXPIRED', `${field}.consent expired on ${expiresOn} (the ledger's day is ${today})`);
    consent = { expiresOn, hash: c.hash };
  }
  if (consent === null && !exempt)
    fail(
      'CONSENT_REQUIRED',
      `${field}.consent is required for the purpose ${purpose} (exempt: ${policy.exemptPurposes.join(', ') || 'none'})`,
    );
  return { consent, purpose, subjects: sortedCopy(subjects, (a, b) => a.keyVersion - b.keyVersion) };
}

/** A query as the ledger records it, one record per subject key asked (the subject's report reads them). */
export interface QueryRecord {
  readonly queryId: string;
  readonly at: string;
  readonly querier: { readonly mspId: string; readonly name: string };
  readonly subjectKeys: readonly string[];
  readonly purpose: string;
  readonly consentHash: string | null;
  readonly consentExpiresOn: string | null;
  /** How many entries it found (active or disputed). */
  readonly hits: number;
  readonly policyVersion: number;
}

/** An entry as a result shows it: what was listed, its status today, and where it comes from. */
export interface EntryHit {
  readonly subjectKey: string;
  readonly keyVersion: number;
  readonly category: string;
  readonly severity: EntryRecord['severity'];
  readonly indicators: readonly string[];
  readonly evidenceHash: string;
  readonly listedOn: string;
  readonly expiresOn: string;
  readonly status: EntryStatus;
  /** Provenance: the institution that listed it, the transaction (the block holds the signer's certificate), when. */
  readonly uploader: string;
  readonly txId: string;
  readonly listedAt: string;
}

export interface CrossValidation {
  /** Distinct institutions listing the subject (active or disputed entries). */
  readonly institutions: number;
  /** Distinct categories it is listed in, sorted. */
  readonly categories: readonly string[];
  /** Per category, how many distinct institutions list it there. */
  readonly institutionsByCategory: Readonly<Record<string, number>>;
}

export interface QueryResult {
  readonly queryId: string;
  readonly at: string;
  readonly purpose: string;
  readonly entries: readonly EntryHit[];
  readonly crossValidation: CrossValidation;
}

/** The entries a result shows: those active or disputed today, ordered by subject key, uploader, category. */
export function visibleHits(entries: readonly EntryRecord[], today: string): EntryHit[] {
  const hits: EntryHit[] = [];
  for (const e of entries) {
    const status = effectiveStatus(e, today);
    if (status !== 'ACTIVE' && status !== 'DISPUTED') continue;
    hits.push({
      category: e.category,
      evidenceHash: e.evidenceHash,
      expiresOn: e.expiresOn,
      indicators: e.indicators,
      keyVersion: e.keyVersion,
      listedAt: e.listedAt,
      listedOn: e.listedOn,
      severity: e.severity,
      status,
      subjectKey: e.subjectKey,
      txId: e.txId,
      uploader: e.uploader,
    });
  }
  return sortedCopy(hits, (a, b) =>
    byText(`${a.subjectKey}:${a.uploader}:${a.category}`, `${b.subjectKey}:${b.uploader}:${b.category}`),
  );
}

/**
 * How far the listings corroborate each other: an institution counts once however many categories and key
 * versions it lists the subject under; order of the entries does not matter.
 */
export function crossValidation(hits: readonly EntryHit[]): CrossValidation {
  const institutions = new Set<string>();
  const byCategory = new Map<string, Set<string>>();
  for (const h of hits) {
    institutions.add(h.uploader);
    let set = byCategory.get(h.category);
    if (set === undefined) byCategory.set(h.category, (set = new Set()));
    set.add(h.uploader);
  }
  const categories = sortedCopy([...byCategory.keys()], byText);
  const institutionsByCategory: Record<string, number> = {};
  for (const c of categories) institutionsByCategory[c] = byCategory.get(c)?.size ?? 0;
  return { categories, institutions: institutions.size, institutionsByCategory };
}

export interface QueryMeta {
  readonly actor: Actor;
  readonly at: string;
  readonly txId: string;
  readonly policyVersion: number;
}

/** The result of a query over the entries found under its subject keys, and the record the ledger keeps of it. */
export function answerQuery(
  query: QueryInput,
  entries: readonly EntryRecord[],
  meta: QueryMeta,
): { result: QueryResult; record: QueryRecord } {
  const keys = new Set(query.subjects.map((s) => s.subjectKey));
  const hits = visibleHits(
    entries.filter((e) => keys.has(e.subjectKey)),
    dayOf(meta.at),
  );
  const record: QueryRecord = {
    at: meta.at,
    consentExpiresOn: query.consent?.expiresOn ?? null,
    consentHash: query.consent?.hash ?? null,
    hits: hits.length,
    policyVersion: meta.policyVersion,
    purpose: query.purpose,
    querier: { mspId: meta.actor.mspId, name: meta.actor.name },
    queryId: meta.txId,
    subjectKeys: query.subjects.map((s) => s.subjectKey),
  };
  return {
    record,
    result: {
      at: meta.at,
      crossValidation: crossValidation(hits),
      entries: hits,
      purpose: query.purpose,
      queryId: meta.txId,
    },
  };
}

/** A look at the subject as its report shows it: which institution, why, when (not the person). */
export interface Look {
  readonly institution: string;
  readonly purpose: string;
  readonly on: string;
  readonly queryId: string;
}

export interface SubjectReport extends QueryResult {
  /** Every recorded query of the subject's keys before this report, newest first. */
  readonly looks: readonly Look[];
}

/** The subject's report: what is listed about them (as a query shows it) and who looked, newest first. */
export function subjectReport(result: QueryResult, earlier: readonly QueryRecord[]): SubjectReport {
  const byId = new Map<string, QueryRecord>();
  for (const r of earlier) byId.set(r.queryId, r);
  const newestFirst = sortedCopy([...byId.values()], (a, b) =>
    a.at === b.at ? byText(a.queryId, b.queryId) : byText(b.at, a.at),
  );
  const looks = newestFirst.map((r): Look => ({
    institution: r.querier.mspId,
    on: dayOf(r.at),
    purpose: r.purpose,
    queryId: r.queryId,
  }));
  return { ...result, looks };
}
