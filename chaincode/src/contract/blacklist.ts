import type { EntryView, JoinResult, ProposalStep, ProposalView } from '../api/blacklist';
import type { HistoryEntry } from '../api/reconciliation';
import { mayReadEntry, requireBlacklistRole, type BlacklistOperation } from '../core/blacklist/access';
import { dayOf } from '../core/blacklist/dates';
import {
  checkUploadDistinct,
  decideUpload,
  effectiveStatus,
  parseSubjectRef,
  parseUploadItem,
  type EntryRecord,
  type UploadResult,
} from '../core/blacklist/entry';
import { BLACKLIST_LIMITS } from '../core/blacklist/limits';
import { GENESIS_VERSION, parseCode, parsePolicy, type PolicyVersion } from '../core/blacklist/policy';
import {
  decideApproval,
  decideProposal,
  parseProposalId,
  proposalStatus,
  requireMember,
  type MemberRecord,
  type ProposalRecord,
} from '../core/blacklist/proposal';
import {
  answerQuery,
  parseQuery,
  subjectReport,
  SUBJECT_REPORT_PURPOSE,
  type QueryInput,
  type QueryRecord,
  type QueryResult,
  type SubjectReport,
} from '../core/blacklist/query';
import { fail } from '../core/errors';
import { blacklistKeys } from '../ledger/blacklistKeys';
import { meter, requireNoPurgeDue, updateStanding } from './blacklistMetering';
import { canonicalJson, utf8Text } from '../ledger/codec';
import { implicitCollection } from '../ledger/keys';
import { sha256Hex } from '../ledger/seal';
import type { BlacklistContext } from './blacklistContext';

/**
 * The blacklist's transactions: load, ask the core (core/blacklist), write, record the change. Every decision
 * is the core's; this layer hashes (the core has no crypto), reads ranges and writes.
 */

/** Committed values of a key range, in key order. Only read before the transaction writes into that range. */
export async function rangeJson<T>(
  ctx: BlacklistContext,
  [from, to]: readonly [string, string],
): Promise<T[]> {
  const out: T[] = [];
  const iterator = await ctx.stub.getStateByRange(from, to);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next())
      out.push(JSON.parse(utf8Text(r.value.value)) as T);
  } finally {
    await iterator.close();
  }
  return out;
}

export async function currentPolicy(ctx: BlacklistContext): Promise<PolicyVersion> {
  return (await ctx.getJson<PolicyVersion>(blacklistKeys.policyCurrent())) ?? GENESIS_VERSION;
}

export async function members(ctx: BlacklistContext): Promise<MemberRecord[]> {
  return rangeJson<MemberRecord>(ctx, blacklistKeys.members());
}

/** The role from the access table, then (for operations that need it) the institution's membership. */
export async function allow(
  ctx: BlacklistContext,
  operation: BlacklistOperation,
  what: string,
): Promise<MemberRecord[]> {
  requireBlacklistRole(ctx.actor, operation);
  const all = await members(ctx);
  requireMember(all, ctx.actor.mspId, what);
  return all;
}

export async function join(ctx: BlacklistContext): Promise<JoinResult> {
  requireBlacklistRole(ctx.actor, 'JOIN');
  const key = blacklistKeys.member(ctx.actor.mspId);
  const existing = await ctx.getJson<MemberRecord>(key);
  if (existing) return { member: existing, outcome: 'UNCHANGED' };
  const member: MemberRecord = {
    by: ctx.actor.name,
    joinedAt: ctx.nowIso,
    mspId: ctx.actor.mspId,
    txId: ctx.txId,
  };
  await ctx.putJson(key, member);
  ctx.recordMember(member.mspId);
  return { member, outcome: 'JOINED' };
}

export async function listMembers(ctx: BlacklistContext): Promise<MemberRecord[]> {
  requireBlacklistRole(ctx.actor, 'READ_POLICY');
  return members(ctx);
}

/**
 * Lists entries of the signing institution, all or nothing: the whole batch is checked before anything is
 * written, and a bad entry fails it naming its index. The evidence goes to the uploader's own implicit
 * collection (so the transaction is valid only with the uploader's endorsement); its salted hash is public.
 */
export async function upload(ctx: BlacklistContext, raw: unknown): Promise<UploadResult[]> {
  await allow(ctx, 'UPLOAD', 'uploading entries');
  await requireNoPurgeDue(ctx);
  if (!Array.isArray(raw)) fail('INVALID_INPUT', 'entries must be a JSON array');
  if (raw.length === 0) fail('INVALID_INPUT', 'entries is empty');
  if (raw.length > BLACKLIST_LIMITS.uploadBatchMax)
    fail(
      'BATCH_TOO_LARGE',
      `an upload holds at most ${BLACKLIST_LIMITS.uploadBatchMax} entries, got ${raw.length}`,
    );
  const current = await currentPolicy(ctx);
  const today = dayOf(ctx.nowIso);
  const items = raw.map((r: unknown, i) => parseUploadItem(r, current.policy, today, `entries[${i}]`));
  checkUploadDistinct(items, 'entries');
  const uploader = ctx.actor.mspId;
  const results: UploadResult[] = [];
  for (const item of items) {
    const evidenceText = canonicalJson(item.evidence);
    const evidenceHash = sha256Hex(evidenceText);
    const inputHash = sha256Hex(
      canonicalJson({
        category: item.category,
        evidenceHash,
        expiresOn: item.expiresOn,
        indicators: item.indicators,
        severity: item.severity,
        subject: item.subject,
      }),
    );
    const key = blacklistKeys.entry(item.subject.subjectKey, uploader, item.category);
    const existing = await ctx.getJson<EntryRecord>(key);
    const decision = decideUpload(existing, item, {
      at: ctx.nowIso,
      evidenceHash,
      inputHash,
      policy: current.policy,
      policyVersion: current.version,
      txId: ctx.txId,
      uploader,
    });
    results.push(decision.result);
    if (decision.outcome === 'UNCHANGED') continue;
    const entry = decision.entry;
    await ctx.putJson(key, entry);
    await updateStanding(ctx, existing, entry);
    await ctx.putPrivate(
      implicitCollection(uploader),
      blacklistKeys.evidence(entry.subjectKey, entry.category),
      canonicalJson({ evidence: item.evidence, evidenceHash, txId: ctx.txId }),
    );
    ctx.recordEntry({
      category: entry.category,
      expiresOn: entry.expiresOn,
      keyVersion: entry.keyVersion,
      status: entry.status,
      subjectKey: entry.subjectKey,
      uploader,
    });
  }
  return results;
}

async function entriesOf(ctx: BlacklistContext, subjectKeys: readonly string[]): Promise<EntryRecord[]> {
  const all: EntryRecord[] = [];
  for (const k of subjectKeys)
    all.push(...(await rangeJson<EntryRecord>(ctx, blacklistKeys.entriesOfSubject(k))));
  return all;
}

/** Answers a query (a subject's report too) from the entries found, under the policy version in force, and records it. */
async function answerAndRecord(
  ctx: BlacklistContext,
  input: QueryInput,
  entries: readonly EntryRecord[],
  policyVersion: number,
): Promise<QueryResult> {
  const { record, result } = answerQuery(input, entries, {
    actor: ctx.actor,
    at: ctx.nowIso,
    policyVersion,
    txId: ctx.txId,
  });
  for (const k of record.subjectKeys) await ctx.putJson(blacklistKeys.query(k, record.queryId), record);
  ctx.recordQuery({
    hits: record.hits,
    purpose: record.purpose,
    querier: record.querier.mspId,
    queryId: record.queryId,
    subjectKeys: record.subjectKeys,
  });
  return result;
}

/**
 * A query, recorded: who asked (institution and person), which subject keys, why, the consent's hash and expiry,
 * when. Its answer: the entries in force with their provenance and the cross-validation count.
 */
export async function query(ctx: BlacklistContext, raw: unknown): Promise<QueryResult> {
  await allow(ctx, 'QUERY', 'querying the blacklist');
  await requireNoPurgeDue(ctx);
  const current = await currentPolicy(ctx);
  const input = parseQuery(raw, current.policy, dayOf(ctx.nowIso));
  if (input.purpose === SUBJECT_REPORT_PURPOSE)
    fail('INVALID_INPUT', `query.purpose ${SUBJECT_REPORT_PURPOSE} is the subject's report (subjectReport)`);
  await meter(ctx, current.policy);
  const entries = await entriesOf(
    ctx,
    input.subjects.map((s) => s.subjectKey),
  );
  return answerAndRecord(ctx, input, entries, current.version);
}

/**
 * The subject's report, asked by a member that verified who they are, with the subject's signed request as its
 * consent: what is listed about them and who looked (institution, purpose, day). It is itself recorded.
 */
export async function report(ctx: BlacklistContext, raw: unknown): Promise<SubjectReport> {
  await allow(ctx, 'SUBJECT_REPORT', "a subject's report");
  const current = await currentPolicy(ctx);
  const asked = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if ('purpose' in asked)
    fail('INVALID_INPUT', "report.purpose is not a field: a report's purpose is SUBJECT_REPORT");
  const input = parseQuery(
    { ...asked, purpose: SUBJECT_REPORT_PURPOSE },
    current.policy,
    dayOf(ctx.nowIso),
    'report',
  );
  const keys = input.subjects.map((s) => s.subjectKey);
  const entries = await entriesOf(ctx, keys);
  const earlier: QueryRecord[] = [];
  for (const k of keys)
    earlier.push(...(await rangeJson<QueryRecord>(ctx, blacklistKeys.queriesOfSubject(k))));
  return subjectReport(await answerAndRecord(ctx, input, entries, current.version), earlier);
}

/** Every recorded query of a subject key, for auditors. */
export async function queryLog(ctx: BlacklistContext, subjectKey: string): Promise<QueryRecord[]> {
  requireBlacklistRole(ctx.actor, 'READ_QUERY_LOG');
  const key = parseSubjectRef({ keyVersion: 1, subjectKey }, 'subject').subjectKey;
  return rangeJson<QueryRecord>(ctx, blacklistKeys.queriesOfSubject(key));
}

function entryKey(ctx: BlacklistContext, subjectKey: string, uploader: string, category: string): string {
  requireBlacklistRole(ctx.actor, 'READ_ENTRY');
  const key = parseSubjectRef({ keyVersion: 1, subjectKey }, 'subject').subjectKey;
  const cat = parseCode(category, 'category');
  // Anyone else is told it does not exist, with the very answer a missing entry gets: reading by key is no
  // way around a recorded query.
  if (!mayReadEntry(ctx.actor, uploader))
    fail('ENTRY_NOT_FOUND', `no entry of ${uploader} about that subject in ${cat}`);
  return blacklistKeys.entry(key, uploader, cat);
}

/** An entry by its key: for its uploader and auditors only. */
export async function getEntry(
  ctx: BlacklistContext,
  subjectKey: string,
  uploader: string,
  category: string,
): Promise<EntryView> {
  const entry = await ctx.getJson<EntryRecord>(entryKey(ctx, subjectKey, uploader, category));
  if (!entry) fail('ENTRY_NOT_FOUND', `no entry of ${uploader} about that subject in ${category}`);
  return { entry, status: effectiveStatus(entry, dayOf(ctx.nowIso)) };
}

/** Every version of an entry, newest first (the key history): for its uploader and auditors only. */
export async function entryHistory(
  ctx: BlacklistContext,
  subjectKey: string,
  uploader: string,
  category: string,
): Promise<HistoryEntry[]> {
  const key = entryKey(ctx, subjectKey, uploader, category);
  const out: HistoryEntry[] = [];
  const iterator = await ctx.stub.getHistoryForKey(key);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      const m = r.value;
      const ms = Number(m.timestamp.seconds) * 1000 + Math.floor(m.timestamp.nanos / 1e6);
      const text = utf8Text(m.value);
      out.push({
        isDelete: m.isDelete,
        timestamp: new Date(ms).toISOString(),
        txId: m.txId,
        value: text ? (JSON.parse(text) as unknown) : null,
      });
    }
  } finally {
    await iterator.close();
  }
  if (out.length === 0) fail('ENTRY_NOT_FOUND', `no entry of ${uploader} about that subject in ${category}`);
  return out;
}

/** The uploader's own evidence of one of its entries, from its implicit collection (never another's). */
export async function ownEvidence(
  ctx: BlacklistContext,
  subjectKey: string,
  category: string,
): Promise<unknown> {
  requireBlacklistRole(ctx.actor, 'UPLOAD');
  const key = parseSubjectRef({ keyVersion: 1, subjectKey }, 'subject').subjectKey;
  const text = utf8Text(
    await ctx.stub.getPrivateData(
      implicitCollection(ctx.actor.mspId),
      blacklistKeys.evidence(key, parseCode(category, 'category')),
    ),
  );
  if (!text) fail('ENTRY_NOT_FOUND', `no evidence of ${ctx.actor.mspId} about that subject in ${category}`);
  return JSON.parse(text) as unknown;
}

export async function proposePolicy(
  ctx: BlacklistContext,
  rawId: unknown,
  rawPolicy: unknown,
): Promise<ProposalStep> {
  await allow(ctx, 'PROPOSE_POLICY', 'proposing a policy');
  const proposalId = parseProposalId(rawId);
  const policy = parsePolicy(rawPolicy);
  const current = await currentPolicy(ctx);
  const key = blacklistKeys.proposal(proposalId);
  const { outcome, proposal } = decideProposal(
    await ctx.getJson<ProposalRecord>(key),
    proposalId,
    policy,
    current,
    {
      actor: ctx.actor,
      at: ctx.nowIso,
      inputHash: sha256Hex(canonicalJson({ policy })),
      txId: ctx.txId,
    },
  );
  if (outcome === 'PROPOSED') {
    await ctx.putJson(key, proposal);
    ctx.recordProposal({ approvals: [], proposalId, status: 'OPEN' }, null);
  }
  return { outcome, proposal, status: proposalStatus(proposal, current), version: null };
}

export async function approvePolicy(ctx: BlacklistContext, rawId: unknown): Promise<ProposalStep> {
  requireBlacklistRole(ctx.actor, 'APPROVE_POLICY');
  const proposalId = parseProposalId(rawId);
  const key = blacklistKeys.proposal(proposalId);
  const stored = await ctx.getJson<ProposalRecord>(key);
  if (!stored) fail('PROPOSAL_NOT_FOUND', `no policy proposal ${proposalId}`);
  const current = await currentPolicy(ctx);
  const decision = decideApproval(stored, current, await members(ctx), {
    actor: ctx.actor,
    at: ctx.nowIso,
    txId: ctx.txId,
  });
  if (decision.outcome === 'UNCHANGED')
    return { outcome: 'UNCHANGED', proposal: stored, status: proposalStatus(stored, current), version: null };
  await ctx.putJson(key, decision.proposal);
  let version: PolicyVersion | null = null;
  if (decision.outcome === 'ADOPTED') {
    version = decision.version;
    await ctx.putJson(blacklistKeys.policyVersion(version.version), version);
    await ctx.putJson(blacklistKeys.policyCurrent(), version);
  }
  const status = proposalStatus(decision.proposal, version ?? current);
  ctx.recordProposal(
    { approvals: decision.proposal.approvals.map((a) => a.mspId), proposalId, status },
    version?.version ?? null,
  );
  return { outcome: decision.outcome, proposal: decision.proposal, status, version };
}

/** A version of the policy (0: the one in force). Version 1 is the genesis. */
export async function getPolicy(ctx: BlacklistContext, version: number): Promise<PolicyVersion> {
  requireBlacklistRole(ctx.actor, 'READ_POLICY');
  const current = await currentPolicy(ctx);
  if (version === 0) return current;
  if (!Number.isInteger(version) || version < 1 || version > current.version)
    fail('INVALID_INPUT', `version must be 0 (the one in force) or 1 to ${current.version}, got ${version}`);
  if (version === 1) return GENESIS_VERSION;
  const stored = await ctx.getJson<PolicyVersion>(blacklistKeys.policyVersion(version));
  if (!stored)
    throw new Error(`policy version ${version} is in the past of ${current.version} but not stored`);
  return stored;
}

export async function getProposal(ctx: BlacklistContext, rawId: unknown): Promise<ProposalView> {
  requireBlacklistRole(ctx.actor, 'READ_POLICY');
  const proposalId = parseProposalId(rawId);
  const proposal = await ctx.getJson<ProposalRecord>(blacklistKeys.proposal(proposalId));
  if (!proposal) fail('PROPOSAL_NOT_FOUND', `no policy proposal ${proposalId}`);
  return { proposal, status: proposalStatus(proposal, await currentPolicy(ctx)) };
}
