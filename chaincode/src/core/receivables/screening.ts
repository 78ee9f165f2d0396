import { parseSubjectRef, type EntryRecord, type SubjectRef } from '../blacklist/entry';
import { answerQuery, type QueryRecord } from '../blacklist/query';
import { fail } from '../errors';
import type { ReceivablesPolicy } from './limits';
import { partyLabel, type EnterpriseParty } from './parties';
import type { MoveRecord, PartRecord } from './part';
import type { MutationMeta, PersonRef, TradeRecord } from './trade';
import { personOf } from './trade';

/**
 * Screening (issue 20 item 7): before a part passes to another enterprise (a transfer) or a bank pays an
 * enterprise for one (a financing), the receiving enterprise is looked up in the shared blacklist, in the same
 * transaction, and the look is recorded with it.
 *
 * - **Who is screened.** A transfer: every output's holder other than the part's holder (a split to oneself
 *   screens nobody). A financing: the enterprise that held the part and receives the proceeds.
 * - **Against what.** The blacklist's entries about the enterprise's unified social credit code (the subject
 *   `CN_USCC`), under every key version the node holds: the chaincode has no consortium key, so the node sends
 *   the keyed hashes (as for any blacklist query) and the record names them, so that any member's node, which
 *   holds the key, can check them afterwards.
 * - **What a hit is.** An entry in force on the ledger's day: ACTIVE or DISPUTED, as a blacklist query answers
 *   them (`visibleHits`). A disputed listing stays a hit: the blacklist keeps it in force until the members
 *   decide, and clearing a supplier is the dispute's job, not the payment's. Expired, retracted or revoked
 *   entries are not hits.
 * - **What follows** is the receivables policy's `screeningOnHit`: `REFUSE` (the default: the move or financing
 *   does not happen, and the refusal is recorded) or `FLAG` (it happens, flagged for review).
 * - **Recorded.** The screening (subject keys, the entries found with their provenance and status, the result
 *   and the decision, the blacklist's policy version, who and when) goes on the move or the financing; the look
 *   itself is a blacklist query record (`QueryRecord`, its id the transaction's), so it appears in the subject's
 *   report and the auditors' query log like every other look.
 * - **Consent.** The subject's own signed act on the ledger: the seller's confirmation of the trade the transfer
 *   is made against, or the enterprise's offer of the part to the bank; its hash names it, and it lasts until the
 *   part's maturity date.
 */

export const SCREENING_ON_HIT = ['REFUSE', 'FLAG'] as const;
export type ScreeningOnHit = (typeof SCREENING_ON_HIT)[number];

/** The blacklist purposes a screening is recorded under (both in the blacklist's genesis policy). */
export type ScreeningPurpose = 'PAYMENT_SCREENING' | 'CREDIT_APPLICATION';

/** An entry a screening found in force, as the record keeps it (provenance, status; never the evidence). */
export interface ScreenedEntry {
  readonly subjectKey: string;
  readonly keyVersion: number;
  readonly uploader: string;
  readonly category: string;
  readonly severity: string;
  readonly status: 'ACTIVE' | 'DISPUTED';
  readonly listedOn: string;
  readonly expiresOn: string;
  /** The transaction that listed it. */
  readonly txId: string;
}

export interface Screening {
  readonly enterprise: EnterpriseParty;
  readonly purpose: ScreeningPurpose;
  readonly subjectKeys: readonly SubjectRef[];
  readonly consentHash: string;
  readonly consentExpiresOn: string;
  /** The entries in force on the ledger's day, ordered by subject key, uploader, category. */
  readonly entries: readonly ScreenedEntry[];
  readonly result: 'CLEAR' | 'HIT';
  /** ALLOWED when clear; REFUSED or FLAGGED on a hit, by the policy's `screeningOnHit`. */
  readonly decision: 'ALLOWED' | 'REFUSED' | 'FLAGGED';
  /** The blacklist policy version in force (the one the entries were read under). */
  readonly blacklistPolicyVersion: number;
  readonly at: string;
  /** The transaction that screened: also the blacklist query record's id. */
  readonly txId: string;
  readonly screenedBy: PersonRef;
}

/** The node's keyed hashes of each enterprise to screen: `{ [enterpriseId]: [{ keyVersion, subjectKey }] }`. */
export type ScreeningKeys = ReadonlyMap<string, readonly SubjectRef[]>;

/** At most this many enterprises in one screening input (a move's outputs are at most the policy's ceiling). */
const SCREENED_MAX = 50;

/** The transient `screening` input: per enterprise id, one subject key per key version the node holds (1 or 2). */
export function parseScreeningKeys(raw: unknown, field = 'screening'): ScreeningKeys {
  if (raw === undefined || raw === null) return new Map();
  if (typeof raw !== 'object' || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object { [enterpriseId]: [{ keyVersion, subjectKey }] }`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > SCREENED_MAX)
    fail('INVALID_INPUT', `${field}: at most ${SCREENED_MAX} enterprises, got ${entries.length}`);
  const out = new Map<string, readonly SubjectRef[]>();
  for (const [enterpriseId, keys] of entries) {
    if (!Array.isArray(keys) || keys.length < 1 || keys.length > 2)
      fail(
        'INVALID_INPUT',
        `${field}.${enterpriseId} must hold 1 or 2 subject keys (one per key version held)`,
      );
    const refs = keys.map((k: unknown, i) => parseSubjectRef(k, `${field}.${enterpriseId}[${i}]`));
    if (new Set(refs.map((r) => r.keyVersion)).size !== refs.length)
      fail('INVALID_INPUT', `${field}.${enterpriseId}: one key per key version`);
    out.set(
      enterpriseId,
      [...refs].sort((a, b) => a.keyVersion - b.keyVersion),
    );
  }
  return out;
}

/** The enterprises a signed move passes parts to: every output holder but the part's holder, once each. */
export function screenedByMove(move: Pick<MoveRecord, 'holder' | 'outputs'>): EnterpriseParty[] {
  const out: EnterpriseParty[] = [];
  for (const o of move.outputs) {
    if (o.holder.enterpriseId === move.holder.enterpriseId && o.holder.mspId === move.holder.mspId) continue;
    if (out.some((e) => e.enterpriseId === o.holder.enterpriseId && e.mspId === o.holder.mspId)) continue;
    out.push(o.holder);
  }
  return out;
}

/** The enterprise a financing pays: the holder of the offered part (null when a bank holds it). */
export function screenedByFinancing(part: Pick<PartRecord, 'holder'>): EnterpriseParty | null {
  return part.holder.kind === 'ENTERPRISE' ? part.holder : null;
}

/** What a consent hash is computed over (the contract hashes its canonical JSON; the core has no crypto). */
export function transferConsentOf(trade: TradeRecord): Record<string, string> {
  if (trade.confirmedAt === null || trade.confirmedBy === null)
    fail('TRADE_NOT_CONFIRMED', `trade ${trade.tradeId} is not confirmed: its seller has not consented`);
  return {
    act: 'TRADE_CONFIRMATION',
    confirmedAt: trade.confirmedAt,
    confirmedBy: trade.confirmedBy.id,
    label: 'tallystick.receivables.screening-consent.v1',
    seller: partyLabel(trade.seller),
    tradeId: trade.tradeId,
  };
}

export function financingConsentOf(part: PartRecord): Record<string, string> {
  const offer = part.offer;
  if (offer === null) fail('INVALID_TRANSITION', `part ${part.partId} is not offered`);
  return {
    act: 'FINANCING_OFFER',
    at: offer.at,
    label: 'tallystick.receivables.screening-consent.v1',
    offerId: offer.offerId,
    offeredBy: offer.by.id,
    partId: part.partId,
    txId: offer.txId,
  };
}

/** The keys the node sent for an enterprise, or SCREENING_REQUIRED naming it. */
export function keysOf(
  keys: ScreeningKeys,
  enterprise: EnterpriseParty,
  what: string,
): readonly SubjectRef[] {
  const refs = keys.get(enterprise.enterpriseId);
  if (refs === undefined)
    fail(
      'SCREENING_REQUIRED',
      `${what} passes to ${partyLabel(enterprise)}, which must be screened against the shared blacklist: the node sends its keyed hashes (screening.${enterprise.enterpriseId})`,
    );
  return refs;
}

export interface ScreeningInput {
  readonly enterprise: EnterpriseParty;
  readonly keys: readonly SubjectRef[];
  readonly purpose: ScreeningPurpose;
  readonly consentHash: string;
  readonly consentExpiresOn: string;
}

/**
 * One screening, decided: the entries about the subject keys that are in force on the ledger's day, the result,
 * and what the policy makes of a hit; with the blacklist query record that records the look. `entries` are what
 * the contract read under the subject keys (others are ignored), in any order.
 */
export function decideScreening(
  input: ScreeningInput,
  entries: readonly EntryRecord[],
  policy: Pick<ReceivablesPolicy, 'screeningOnHit'>,
  meta: Omit<MutationMeta, 'inputHash'> & { readonly blacklistPolicyVersion: number },
): { screening: Screening; record: QueryRecord } {
  const { record, result } = answerQuery(
    {
      consent: { expiresOn: input.consentExpiresOn, hash: input.consentHash },
      purpose: input.purpose,
      subjects: input.keys,
    },
    entries,
    {
      actor: { id: meta.actor.id, mspId: meta.actor.mspId, name: meta.actor.name, roles: [] },
      at: meta.at,
      policyVersion: meta.blacklistPolicyVersion,
      txId: meta.txId,
    },
  );
  const found: ScreenedEntry[] = result.entries.map((h) => ({
    category: h.category,
    expiresOn: h.expiresOn,
    keyVersion: h.keyVersion,
    listedOn: h.listedOn,
    severity: h.severity,
    status: h.status === 'DISPUTED' ? 'DISPUTED' : 'ACTIVE',
    subjectKey: h.subjectKey,
    txId: h.txId,
    uploader: h.uploader,
  }));
  const hit = found.length > 0;
  return {
    record,
    screening: {
      at: meta.at,
      blacklistPolicyVersion: meta.blacklistPolicyVersion,
      consentExpiresOn: input.consentExpiresOn,
      consentHash: input.consentHash,
      decision: !hit ? 'ALLOWED' : policy.screeningOnHit === 'REFUSE' ? 'REFUSED' : 'FLAGGED',
      enterprise: input.enterprise,
      entries: found,
      purpose: input.purpose,
      result: hit ? 'HIT' : 'CLEAR',
      screenedBy: personOf(meta.actor),
      subjectKeys: input.keys,
      txId: meta.txId,
    },
  };
}

/** Whether any of the screenings refuses the step. */
export function refusedBy(screenings: readonly Screening[]): boolean {
  return screenings.some((s) => s.decision === 'REFUSED');
}
