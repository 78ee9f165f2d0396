import type { DisputeView, PurgeResult } from '../api/blacklist';
import { requireBlacklistRole } from '../core/blacklist/access';
import {
  decideDisputeStep,
  decideOpenDispute,
  entryAfterPurge,
  entryAfterStep,
  parseDisputeAction,
  parseDisputeInput,
  type DisputeRecord,
} from '../core/blacklist/dispute';
import type { EntryRecord } from '../core/blacklist/entry';
import { parseClientId } from '../core/reference';
import { fail } from '../core/errors';
import { blacklistKeys } from '../ledger/blacklistKeys';
import { canonicalJson } from '../ledger/codec';
import { implicitCollection } from '../ledger/keys';
import { sha256Hex } from '../ledger/seal';
import { allow, currentPolicy, rangeJson } from './blacklist';
import type { BlacklistContext } from './blacklistContext';
import { updateStanding } from './blacklistMetering';

/**
 * Disputes on the ledger (core/blacklist/dispute.ts decides). The entry's stored status follows its dispute in
 * the same transaction, so every result shows DISPUTED from the transaction that opened it. A revocation keeps
 * the entry and its history (status REVOKED, how and by which dispute) and its public evidence hash; its private
 * evidence is purged from the uploader's implicit collection in the same transaction when the uploader signs it
 * (a retraction, or the uploader's own deciding vote or close), and otherwise by the uploader's next
 * purgeEvidence: only the uploader's endorsement can write to its collection, and until it has purged it may
 * neither list nor query (EVIDENCE_PURGE_DUE).
 */

interface PurgeDue {
  readonly subjectKey: string;
  readonly category: string;
  readonly disputeId: string;
  readonly since: string;
}

const PURGES_PER_TRANSACTION = 500;

function view(dispute: DisputeRecord, outcome: DisputeView['outcome']): DisputeView {
  return { dispute, outcome };
}

export async function openDispute(ctx: BlacklistContext, raw: unknown): Promise<DisputeView> {
  await allow(ctx, 'DISPUTE', 'disputing an entry');
  const input = parseDisputeInput(raw);
  const current = await currentPolicy(ctx);
  const key = blacklistKeys.dispute(input.disputeId);
  const entryKey = blacklistKeys.entry(input.subjectKey, input.uploader, input.category);
  const entry = await ctx.getJson<EntryRecord>(entryKey);
  const decision = decideOpenDispute(await ctx.getJson<DisputeRecord>(key), entry, input, {
    actor: ctx.actor,
    at: ctx.nowIso,
    inputHash: sha256Hex(canonicalJson(input)),
    policy: current.policy,
    policyVersion: current.version,
    txId: ctx.txId,
  });
  if (decision.outcome === 'UNCHANGED' || entry === undefined) return view(decision.dispute, 'UNCHANGED');
  await ctx.putJson(key, decision.dispute);
  await writeEntry(ctx, entry, { ...entry, dispute: input.disputeId, status: 'DISPUTED' });
  record(ctx, decision.dispute);
  return view(decision.dispute, 'OPENED');
}

export async function disputeStep(
  ctx: BlacklistContext,
  rawId: unknown,
  rawAction: unknown,
  rawDetail: unknown,
): Promise<DisputeView> {
  const step = parseDisputeAction(rawAction, rawDetail);
  const all = await allow(
    ctx,
    step.action === 'VOTE' ? 'VOTE' : 'DISPUTE_STEP',
    step.action === 'VOTE' ? 'voting on a dispute' : 'a step of a dispute',
  );
  const disputeId = parseClientId(rawId, 'disputeId');
  const key = blacklistKeys.dispute(disputeId);
  const dispute = await ctx.getJson<DisputeRecord>(key);
  if (!dispute) fail('DISPUTE_NOT_FOUND', `no dispute ${disputeId}`);
  const decision = decideDisputeStep(dispute, step, all, {
    actor: ctx.actor,
    at: ctx.nowIso,
    txId: ctx.txId,
  });
  if (decision.outcome === 'UNCHANGED') return view(dispute, 'UNCHANGED');
  const next = decision.dispute;
  await ctx.putJson(key, next);
  record(ctx, next);
  const entryKey = blacklistKeys.entry(next.subjectKey, next.uploader, next.category);
  const entry = await ctx.getJson<EntryRecord>(entryKey);
  const after =
    entry === undefined
      ? null
      : entryAfterStep(entry, next, { at: ctx.nowIso, signer: ctx.actor.mspId, txId: ctx.txId });
  if (entry === undefined || after === null) return view(next, 'RECORDED');
  if (after.purge === 'NOW') await purge(ctx, entry);
  if (after.purge === 'DUE') {
    const due: PurgeDue = {
      category: entry.category,
      disputeId,
      since: ctx.nowIso,
      subjectKey: entry.subjectKey,
    };
    await ctx.putJson(blacklistKeys.purgeDue(entry.uploader, entry.subjectKey, entry.category), due);
  }
  await writeEntry(ctx, entry, after.entry);
  return view(next, 'RECORDED');
}

export async function getDispute(ctx: BlacklistContext, rawId: unknown): Promise<DisputeRecord> {
  requireBlacklistRole(ctx.actor, 'READ_DISPUTE');
  const disputeId = parseClientId(rawId, 'disputeId');
  const dispute = await ctx.getJson<DisputeRecord>(blacklistKeys.dispute(disputeId));
  if (!dispute) fail('DISPUTE_NOT_FOUND', `no dispute ${disputeId}`);
  return dispute;
}

/**
 * Purges the evidence of the signer's institution's revoked entries that await it (up to 500 per transaction;
 * none due: an empty answer). The entries keep their public evidence hash and their history.
 */
export async function purgeEvidence(ctx: BlacklistContext): Promise<PurgeResult[]> {
  await allow(ctx, 'PURGE_EVIDENCE', 'purging revoked evidence');
  const uploader = ctx.actor.mspId;
  const due = (await rangeJson<PurgeDue>(ctx, blacklistKeys.purgesDueOf(uploader))).slice(
    0,
    PURGES_PER_TRANSACTION,
  );
  const out: PurgeResult[] = [];
  for (const d of due) {
    const key = blacklistKeys.entry(d.subjectKey, uploader, d.category);
    const entry = await ctx.getJson<EntryRecord>(key);
    if (entry === undefined) throw new Error(`a purge is due for an entry that is not on the ledger: ${key}`);
    const purged = entryAfterPurge(entry, ctx.nowIso, ctx.txId);
    await purge(ctx, entry);
    await ctx.putJson(key, purged);
    await ctx.delete(blacklistKeys.purgeDue(uploader, d.subjectKey, d.category));
    out.push({
      category: d.category,
      disputeId: d.disputeId,
      evidenceHash: entry.evidenceHash,
      subjectKey: d.subjectKey,
    });
  }
  return out;
}

async function purge(ctx: BlacklistContext, entry: EntryRecord): Promise<void> {
  await ctx.purgePrivate(
    implicitCollection(entry.uploader),
    blacklistKeys.evidence(entry.subjectKey, entry.category),
  );
}

async function writeEntry(ctx: BlacklistContext, before: EntryRecord, after: EntryRecord): Promise<void> {
  await ctx.putJson(blacklistKeys.entry(after.subjectKey, after.uploader, after.category), after);
  await updateStanding(ctx, before, after);
  ctx.recordEntry({
    category: after.category,
    expiresOn: after.expiresOn,
    keyVersion: after.keyVersion,
    status: after.status,
    subjectKey: after.subjectKey,
    uploader: after.uploader,
  });
}

function record(ctx: BlacklistContext, d: DisputeRecord): void {
  ctx.recordDispute({
    category: d.category,
    deadline: d.deadline,
    disputeId: d.disputeId,
    disputer: d.disputer.mspId,
    status: d.status,
    subjectKey: d.subjectKey,
    uploader: d.uploader,
  });
}
