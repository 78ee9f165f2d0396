import type { Actor } from '../actor';
import { fail } from '../errors';
import { parseClientId } from '../reference';
import { dayOf } from './dates';
import { parseMspId } from './dispute';
import { effectiveStatus, parseSubjectRef, type EntryRecord } from './entry';
import { requireHit } from './hits';
import { parseCode } from './policy';
import type { QueryRecord } from './query';

/**
 * Evidence on request (issue 19 item 7). After a hit, a member asks the uploader for an entry's evidence; the
 * uploader approves or declines. The ledger records the request, the decision and, on approval, the hash of
 * what is delivered: the evidence as the uploader's own collection holds it, whose hash must be the entry's
 * public evidence hash (so the uploader cannot deliver other evidence than it listed with). The bytes are then
 * read by the requester from the uploader's peer (deliverableEvidence), and the requester's node checks their
 * hash against the decision. docs/BLACKLIST.md, "Evidence on request", says why the bytes travel that way.
 */
export const EVIDENCE_REQUEST_STATUSES = ['REQUESTED', 'APPROVED', 'DECLINED'] as const;
export type EvidenceRequestStatus = (typeof EVIDENCE_REQUEST_STATUSES)[number];

export interface EvidenceRequestInput {
  readonly requestId: string;
  readonly subjectKey: string;
  readonly uploader: string;
  readonly category: string;
  /** The requester's recorded query that found the entry. */
  readonly queryId: string;
}

export interface EvidenceRequestRecord extends EvidenceRequestInput {
  readonly requester: { readonly mspId: string; readonly name: string };
  readonly requestedAt: string;
  readonly txId: string;
  readonly status: EvidenceRequestStatus;
  readonly decision: {
    readonly by: string;
    readonly at: string;
    readonly txId: string;
    /** SHA-256 of the canonical JSON of the evidence delivered (null when declined). */
    readonly deliveredHash: string | null;
  } | null;
  readonly inputHash: string;
}

export function parseEvidenceRequest(raw: unknown): EvidenceRequestInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', 'request must be an object { requestId, subjectKey, uploader, category, queryId }');
  const o = raw as Record<string, unknown>;
  const fields = ['category', 'queryId', 'requestId', 'subjectKey', 'uploader'];
  for (const k of Object.keys(o))
    if (!fields.includes(k))
      fail('INVALID_INPUT', `request.${k} is not a field (expected ${fields.join(', ')})`);
  return {
    category: parseCode(o.category, 'request.category'),
    queryId: parseClientId(o.queryId, 'request.queryId'),
    requestId: parseClientId(o.requestId, 'request.requestId'),
    subjectKey: parseSubjectRef({ keyVersion: 1, subjectKey: o.subjectKey }, 'request').subjectKey,
    uploader: parseMspId(o.uploader, 'request.uploader'),
  };
}

function requireDeliverable(entry: EntryRecord, today: string): void {
  const status = effectiveStatus(entry, today);
  if (status !== 'ACTIVE' && status !== 'DISPUTED')
    fail(
      'EVIDENCE_UNAVAILABLE',
      `the entry is ${status}${entry.evidencePurge ? ` and its evidence ${entry.evidencePurge.status === 'DONE' ? 'was purged' : 'is to be purged'}` : ''}: its evidence is not delivered`,
    );
}

export function decideEvidenceRequest(
  existing: EvidenceRequestRecord | undefined,
  entry: EntryRecord | undefined,
  query: QueryRecord | undefined,
  input: EvidenceRequestInput,
  meta: { actor: Actor; at: string; txId: string; inputHash: string },
): { outcome: 'REQUESTED' | 'UNCHANGED'; request: EvidenceRequestRecord } {
  if (existing !== undefined) {
    if (existing.inputHash !== meta.inputHash)
      fail(
        'IDEMPOTENCY_CONFLICT',
        `evidence request ${input.requestId} was already made with other content (tx ${existing.txId})`,
      );
    return { outcome: 'UNCHANGED', request: existing };
  }
  if (entry === undefined)
    fail('ENTRY_NOT_FOUND', `no entry of ${input.uploader} about that subject in ${input.category}`);
  if (meta.actor.mspId === entry.uploader)
    fail(
      'WRONG_INSTITUTION',
      `${entry.uploader} listed this entry: it reads its own evidence (getOwnEvidence)`,
    );
  requireHit(query, entry, meta.actor.mspId, input.queryId);
  requireDeliverable(entry, dayOf(meta.at));
  return {
    outcome: 'REQUESTED',
    request: {
      ...input,
      decision: null,
      inputHash: meta.inputHash,
      requestedAt: meta.at,
      requester: { mspId: meta.actor.mspId, name: meta.actor.name },
      status: 'REQUESTED',
      txId: meta.txId,
    },
  };
}

/**
 * The uploader's decision. Approving needs the evidence still held in the uploader's collection with the
 * entry's hash (`heldHash`: the hash of what it holds, undefined when it holds none); its hash is recorded as
 * what is delivered. The same decision again is UNCHANGED; another once decided is ALREADY_DECIDED.
 */
export function decideEvidenceDecision(
  request: EvidenceRequestRecord,
  approve: boolean,
  entry: EntryRecord | undefined,
  heldHash: string | undefined,
  meta: { actor: Actor; at: string; txId: string },
): { outcome: 'APPROVED' | 'DECLINED' | 'UNCHANGED'; request: EvidenceRequestRecord } {
  if (meta.actor.mspId !== request.uploader)
    fail(
      'NOT_A_PARTY',
      `evidence request ${request.requestId} is for ${request.uploader} to decide; ${meta.actor.mspId} is not`,
    );
  const wanted: EvidenceRequestStatus = approve ? 'APPROVED' : 'DECLINED';
  if (request.status !== 'REQUESTED') {
    if (request.status === wanted) return { outcome: 'UNCHANGED', request };
    fail(
      'ALREADY_DECIDED',
      `evidence request ${request.requestId} was ${request.status} (tx ${request.decision?.txId ?? '?'})`,
    );
  }
  let deliveredHash: string | null = null;
  if (approve) {
    if (entry === undefined)
      fail('ENTRY_NOT_FOUND', `the entry of evidence request ${request.requestId} is gone`);
    requireDeliverable(entry, dayOf(meta.at));
    if (heldHash === undefined || heldHash !== entry.evidenceHash)
      fail(
        'EVIDENCE_UNAVAILABLE',
        `${request.uploader} holds ${heldHash === undefined ? 'no evidence' : 'evidence of another hash'} for the entry (its hash on the ledger is ${entry.evidenceHash})`,
      );
    deliveredHash = heldHash;
  }
  return {
    outcome: wanted,
    request: {
      ...request,
      decision: { at: meta.at, by: meta.actor.name, deliveredHash, txId: meta.txId },
      status: wanted,
    },
  };
}

/** Whether the signer may read the evidence of an approved request now (the read runs on the uploader's peer). */
export function requireDelivery(
  request: EvidenceRequestRecord,
  entry: EntryRecord | undefined,
  actor: Actor,
  today: string,
): void {
  if (actor.mspId !== request.requester.mspId)
    fail(
      'NOT_A_PARTY',
      `evidence request ${request.requestId} is ${request.requester.mspId}'s; ${actor.mspId} is not`,
    );
  if (request.status !== 'APPROVED')
    fail('INVALID_TRANSITION', `evidence request ${request.requestId} is ${request.status}, not APPROVED`);
  if (entry === undefined)
    fail('ENTRY_NOT_FOUND', `the entry of evidence request ${request.requestId} is gone`);
  requireDeliverable(entry, today);
}
