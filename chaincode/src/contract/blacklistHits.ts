import type { ConfirmResult, EvidenceDelivery, EvidenceRequestView } from '../api/blacklist';
import { mayReadAllowance, mayReadEvidenceRequest, requireBlacklistRole } from '../core/blacklist/access';
import { dayOf } from '../core/blacklist/dates';
import { parseMspId } from '../core/blacklist/dispute';
import { parseSubjectRef, type EntryRecord, type Evidence } from '../core/blacklist/entry';
import {
  decideEvidenceDecision,
  decideEvidenceRequest,
  parseEvidenceRequest,
  requireDelivery,
  type EvidenceRequestRecord,
} from '../core/blacklist/evidenceRequest';
import { decideConfirmation } from '../core/blacklist/hits';
import type { Allowance } from '../core/blacklist/metering';
import { parseCode } from '../core/blacklist/policy';
import type { QueryRecord } from '../core/blacklist/query';
import { fail } from '../core/errors';
import { parseClientId } from '../core/reference';
import { blacklistKeys } from '../ledger/blacklistKeys';
import { canonicalJson, utf8Text } from '../ledger/codec';
import { implicitCollection } from '../ledger/keys';
import { sha256Hex } from '../ledger/seal';
import { allow, currentPolicy } from './blacklist';
import type { BlacklistContext } from './blacklistContext';
import { allowanceOfInstitution, updateStanding } from './blacklistMetering';

/** What happens after a hit: the querier confirms it (metering, item 4) or asks for its evidence (item 7). */

interface StoredEvidence {
  readonly evidence: Evidence;
}

/** An institution's allowance today (its own; an auditor may read any institution's). */
export async function getAllowance(ctx: BlacklistContext, rawMsp: unknown): Promise<Allowance> {
  requireBlacklistRole(ctx.actor, 'READ_ALLOWANCE');
  const mspId = rawMsp === '' || rawMsp === undefined ? ctx.actor.mspId : parseMspId(rawMsp, 'mspId');
  if (!mayReadAllowance(ctx.actor, mspId))
    fail('WRONG_INSTITUTION', `${ctx.actor.mspId} reads its own allowance only, not ${mspId}'s`);
  return allowanceOfInstitution(ctx, mspId, (await currentPolicy(ctx)).policy);
}

/** The querier's institution confirms a hit of one of its recorded queries: the entry counts more for its uploader. */
export async function confirmHit(
  ctx: BlacklistContext,
  rawQueryId: unknown,
  rawSubjectKey: unknown,
  rawUploader: unknown,
  rawCategory: unknown,
): Promise<ConfirmResult> {
  await allow(ctx, 'CONFIRM_HIT', 'confirming a hit');
  const queryId = parseClientId(rawQueryId, 'queryId');
  const subjectKey = parseSubjectRef({ keyVersion: 1, subjectKey: rawSubjectKey }, 'subject').subjectKey;
  const uploader = parseMspId(rawUploader, 'uploader');
  const category = parseCode(rawCategory, 'category');
  const key = blacklistKeys.entry(subjectKey, uploader, category);
  const entry = await ctx.getJson<EntryRecord>(key);
  if (!entry) fail('ENTRY_NOT_FOUND', `no entry of ${uploader} about that subject in ${category}`);
  const query = await ctx.getJson<QueryRecord>(blacklistKeys.query(subjectKey, queryId));
  const decision = decideConfirmation(entry, query, queryId, ctx.actor, dayOf(ctx.nowIso));
  if (decision.outcome === 'CONFIRMED') {
    await ctx.putJson(key, decision.entry);
    await updateStanding(ctx, entry, decision.entry);
  }
  return {
    category,
    confirmedBy: decision.entry.confirmedBy ?? [],
    outcome: decision.outcome,
    subjectKey,
    uploader,
  };
}

export async function requestEvidence(ctx: BlacklistContext, raw: unknown): Promise<EvidenceRequestView> {
  await allow(ctx, 'REQUEST_EVIDENCE', 'requesting evidence');
  const input = parseEvidenceRequest(raw);
  const key = blacklistKeys.evidenceRequest(input.requestId);
  const entry = await ctx.getJson<EntryRecord>(
    blacklistKeys.entry(input.subjectKey, input.uploader, input.category),
  );
  const query = await ctx.getJson<QueryRecord>(blacklistKeys.query(input.subjectKey, input.queryId));
  const decision = decideEvidenceRequest(await ctx.getJson<EvidenceRequestRecord>(key), entry, query, input, {
    actor: ctx.actor,
    at: ctx.nowIso,
    inputHash: sha256Hex(canonicalJson(input)),
    txId: ctx.txId,
  });
  if (decision.outcome === 'REQUESTED') {
    await ctx.putJson(key, decision.request);
    record(ctx, decision.request);
  }
  return { outcome: decision.outcome, request: decision.request };
}

/** The evidence the signer's institution holds for an entry and its hash (undefined: it holds none). */
async function heldEvidence(
  ctx: BlacklistContext,
  uploader: string,
  subjectKey: string,
  category: string,
): Promise<{ evidence: Evidence; hash: string } | undefined> {
  const text = utf8Text(
    await ctx.stub.getPrivateData(implicitCollection(uploader), blacklistKeys.evidence(subjectKey, category)),
  );
  if (!text) return undefined;
  const evidence = (JSON.parse(text) as StoredEvidence).evidence;
  return { evidence, hash: sha256Hex(canonicalJson(evidence)) };
}

/** The uploader's approver approves (the hash of what is delivered recorded) or declines a request. */
export async function decideRequest(
  ctx: BlacklistContext,
  rawId: unknown,
  rawDecision: unknown,
): Promise<EvidenceRequestView> {
  await allow(ctx, 'DECIDE_EVIDENCE_REQUEST', 'deciding an evidence request');
  const requestId = parseClientId(rawId, 'requestId');
  if (rawDecision !== 'APPROVE' && rawDecision !== 'DECLINE')
    fail('INVALID_INPUT', `decision must be APPROVE or DECLINE, got ${JSON.stringify(rawDecision)}`);
  const key = blacklistKeys.evidenceRequest(requestId);
  const request = await ctx.getJson<EvidenceRequestRecord>(key);
  if (!request || !mayReadEvidenceRequest(ctx.actor, request.requester.mspId, request.uploader))
    fail('EVIDENCE_REQUEST_NOT_FOUND', `no evidence request ${requestId}`);
  const entry = await ctx.getJson<EntryRecord>(
    blacklistKeys.entry(request.subjectKey, request.uploader, request.category),
  );
  const approve = rawDecision === 'APPROVE';
  // Read only by the uploader's own transaction (on its own peer), where its collection is.
  const held =
    approve && ctx.actor.mspId === request.uploader
      ? await heldEvidence(ctx, request.uploader, request.subjectKey, request.category)
      : undefined;
  const decision = decideEvidenceDecision(request, approve, entry, held?.hash, {
    actor: ctx.actor,
    at: ctx.nowIso,
    txId: ctx.txId,
  });
  if (decision.outcome !== 'UNCHANGED') {
    await ctx.putJson(key, decision.request);
    record(ctx, decision.request);
  }
  return { outcome: decision.outcome, request: decision.request };
}

export async function getEvidenceRequest(
  ctx: BlacklistContext,
  rawId: unknown,
): Promise<EvidenceRequestRecord> {
  requireBlacklistRole(ctx.actor, 'READ_EVIDENCE_REQUEST');
  const requestId = parseClientId(rawId, 'requestId');
  const request = await ctx.getJson<EvidenceRequestRecord>(blacklistKeys.evidenceRequest(requestId));
  // Anyone but its two institutions and auditors is told it does not exist.
  if (!request || !mayReadEvidenceRequest(ctx.actor, request.requester.mspId, request.uploader))
    fail('EVIDENCE_REQUEST_NOT_FOUND', `no evidence request ${requestId}`);
  return request;
}

/**
 * The evidence of an approved request, for its requester: evaluated on the uploader's peer, the only one that
 * holds the uploader's collection (on any other peer: EVIDENCE_UNAVAILABLE). Nothing is written; the requester's
 * node checks the hash of what it got against the decision's.
 */
export async function deliverEvidence(ctx: BlacklistContext, rawId: unknown): Promise<EvidenceDelivery> {
  await allow(ctx, 'RECEIVE_EVIDENCE', 'receiving requested evidence');
  const request = await getEvidenceRequest(ctx, rawId);
  const entry = await ctx.getJson<EntryRecord>(
    blacklistKeys.entry(request.subjectKey, request.uploader, request.category),
  );
  requireDelivery(request, entry, ctx.actor, dayOf(ctx.nowIso));
  const held = await heldEvidence(ctx, request.uploader, request.subjectKey, request.category);
  if (held === undefined)
    fail(
      'EVIDENCE_UNAVAILABLE',
      `this peer holds no evidence of ${request.uploader} for request ${request.requestId}: it is read from ${request.uploader}'s peer`,
    );
  return {
    deliveredHash: request.decision?.deliveredHash ?? null,
    evidence: held.evidence,
    requestId: request.requestId,
  };
}

function record(ctx: BlacklistContext, r: EvidenceRequestRecord): void {
  ctx.recordEvidenceRequest({
    requestId: r.requestId,
    requester: r.requester.mspId,
    status: r.status,
    uploader: r.uploader,
  });
}
