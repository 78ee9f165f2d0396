import { hasAnyRole, type Role } from '../core/actor';
import { ACTION_ROLES, applyBreakAction, type BreakAction, type BreakRecord } from '../core/breakMachine';
import { fail } from '../core/errors';
import {
  MATCH_FIELDS,
  matchFieldText,
  parseLeg,
  parseRoute,
  routeText,
  type Leg,
  type MatchField,
} from '../core/leg';
import { LIMITS } from '../core/limits';
import { assert } from '../core/assert';
import { decideCase } from '../core/caseDecision';
import { liveLegs } from '../core/matching';
import {
  parseWriteOffLimits,
  requireWriteOffAuthority,
  stakeLeg,
  WRITE_OFF_LIMIT_ATTRIBUTE,
  writeOffStake,
} from '../core/writeOff';
import { parseReference, parseText, type PaymentReference } from '../core/reference';
import { addNotices, parseNoticeMap, type Notice } from '../core/notices';
import { byText, sortedCopy } from '../core/sorted';
import { canonicalJson, decode, utf8Text } from '../ledger/codec';
import { breakIdOf, caseIdOf, caseIdPrefix, implicitCollection, isCaseOf, keys } from '../ledger/keys';
import { saltedDigest, seal, sha256Hex, unseal } from '../ledger/seal';
import type {
  CaseLeg,
  CaseRecord,
  HistoryEntry,
  OwnLegRef,
  PostedLeg,
  SealedBreak,
} from '../api/reconciliation';
import { blindBreak, openSealedBreak, sealBreak } from '../ledger/breakPeople';
import {
  decodeReferenceCases,
  encodeReferenceCases,
  type LegIndexRecord,
  type OpenBreakIndexEntry,
} from './caseRecord';
import type { TallyContext } from './context';
import { batchRouteParser, textOfRoute } from '../ledger/routeMemo';

export function requireRole(ctx: TallyContext, roles: readonly Role[], what: string): void {
  if (!hasAnyRole(ctx.actor, roles)) {
    fail(
      'ROLE_REQUIRED',
      `${what} needs the role ${roles.join(' or ')}; ${ctx.actor.name} of ${ctx.actor.mspId} has ${ctx.actor.roles.join(', ') || 'none'}`,
    );
  }
}

/** Posts legs of the signing institution, all or nothing. Re-posting a leg unchanged is a no-op. */
export async function postLegs(ctx: TallyContext, rawLegs: unknown): Promise<PostedLeg[]> {
  if (!Array.isArray(rawLegs)) fail('INVALID_INPUT', 'legs must be a JSON array');
  // A reconciler corrects a leg of their own institution from the break screen (a correction entry, signed by
  // the person); every other leg comes from the institution's systems.
  const corrections = rawLegs.length > 0 && rawLegs.every((l) => isCorrection(l));
  requireRole(ctx, corrections ? ['submitter', 'reconciler'] : ['submitter'], 'posting legs');
  if (rawLegs.length === 0) fail('INVALID_INPUT', 'legs is empty');
  if (rawLegs.length > LIMITS.batchLegsMax) {
    fail('BATCH_TOO_LARGE', `a batch holds at most ${LIMITS.batchLegsMax} legs, got ${rawLegs.length}`);
  }
  const mspId = ctx.actor.mspId;
  // Validate the whole batch before touching the ledger: a bad leg anywhere fails the batch with its index.
  const routes = batchRouteParser();
  const legs = rawLegs.map((raw, i) => parseLeg(raw, mspId, `legs[${i}]`, routes));
  const seen = new Map<string, number>();
  legs.forEach((leg, i) => {
    if (!leg.route.some((s) => s.mspId === mspId && s.role === leg.role)) {
      fail('INVALID_INPUT', `legs[${i}].route does not include the poster ${mspId} as ${leg.role}`);
    }
    const earlier = seen.get(leg.legId);
    if (earlier !== undefined)
      fail('INVALID_INPUT', `legs[${i}].legId ${leg.legId} repeats legs[${earlier}]`);
    seen.set(leg.legId, i);
  });
  const caseIds = legs.map((leg) => caseIdOf(leg.reference, leg.route));
  const notices = parseNoticeMap(ctx.transient('notices'), new Set(caseIds));
  const results: PostedLeg[] = [];
  for (const [i, leg] of legs.entries()) {
    const caseId = caseIds[i] as string;
    results.push(await postOne(ctx, leg, caseId, notices.get(caseId) ?? []));
  }
  return results;
}

const isCorrection = (raw: unknown): boolean =>
  typeof raw === 'object' && raw !== null && (raw as { corrects?: unknown }).corrects !== undefined;

/**
 * One leg into the case of its reference on its route (`caseId`): a leg declaring another route goes to a case
 * of its own, so no member can make itself a party to a case by posting a leg that names the case's reference.
 * `notices` are the poster's notices for the case's other parties; the case keeps those it does not hold yet.
 */
async function postOne(
  ctx: TallyContext,
  leg: Leg,
  caseId: string,
  notices: readonly Notice[],
): Promise<PostedLeg> {
  const plain = canonicalJson(legJson(leg));
  const inputHash = sha256Hex(plain);
  const indexKey = keys.leg(leg.mspId, leg.legId);
  const existing = await ctx.getJson<LegIndexRecord>(indexKey);
  if (existing) {
    if (existing.inputHash !== inputHash) {
      fail(
        'IDEMPOTENCY_CONFLICT',
        `leg ${leg.legId} of ${leg.mspId} was already posted with different content (tx ${existing.txId})`,
      );
    }
    const current = await readCaseRecord(ctx, existing.caseId);
    return { caseId, caseStatus: current?.status ?? 'PENDING', legId: leg.legId, outcome: 'UNCHANGED' };
  }

  // The leg in the poster's own implicit collection: a write only that institution's endorsement makes valid,
  // so the whole transaction, the public digests below included, is provably the poster's.
  await ctx.putPrivate(implicitCollection(leg.mspId), keys.legRecord(caseId, leg.legId), plain);

  const stored = await readCaseRecord(ctx, caseId);
  // The case's first leg: a later leg seals only what differs from it (sealedLegDetails).
  const first = stored?.legs[0];
  let record = stored ?? (await newCase(ctx, caseId, leg));
  const digests = fieldDigests(leg);
  if (leg.corrects !== undefined) requireCorrectable(record, leg);
  const caseLeg: CaseLeg = {
    ...(leg.corrects === undefined ? {} : { corrects: leg.corrects }),
    digests,
    legId: leg.legId,
    mspId: leg.mspId,
    postedAt: ctx.nowIso,
    role: leg.role,
    route: record.expected,
    txId: ctx.txId,
  };
  assert(
    record.parties.includes(leg.mspId),
    () => `case ${caseId}: its poster ${leg.mspId} is not on the case's route`,
  );
  const given = addNotices(record.notices ?? [], notices);
  record = { ...record, legs: [...record.legs, caseLeg], notices: given.notices };
  record = await reevaluate(ctx, record, ctx.nowMs >= record.dueAtMs, given.added);

  // The sealed details go with the leg's own record, written once: the case record, rewritten at every leg and
  // kept in every version by the key history, stays small. Only what the case record does not show is sealed.
  const sealed = sealedLegDetails(ctx, leg, caseId, digests, first);
  await ctx.putJson(indexKey, {
    baseLeg: sealed.baseLeg,
    caseId,
    inputHash,
    postedAt: ctx.nowIso,
    sealedDetail: sealed.sealedDetail,
    sealedDiff: sealed.sealedDiff,
    txId: ctx.txId,
  } satisfies LegIndexRecord);
  ctx.recordLeg({
    caseId,
    ...(leg.corrects === undefined ? {} : { corrects: leg.corrects }),
    legId: leg.legId,
    mspId: leg.mspId,
    postedAt: ctx.nowIso,
    role: leg.role,
  });
  return { caseId, caseStatus: record.status, legId: leg.legId, outcome: 'POSTED' };
}

/**
 * A correction names a leg its own institution posted to this case, at the same stop, that no other leg has
 * corrected already: one leg, then its correction, then that one's correction, never two branches.
 */
function requireCorrectable(record: CaseRecord, leg: Leg): void {
  const target = record.legs.find((l) => l.mspId === leg.mspId && l.legId === leg.corrects);
  if (target === undefined)
    fail(
      'INVALID_INPUT',
      `leg ${leg.legId} corrects ${String(leg.corrects)}, which ${leg.mspId} did not post to this payment on this route`,
    );
  if (target.role !== leg.role)
    fail(
      'INVALID_INPUT',
      `leg ${leg.legId} corrects ${target.legId}, posted as ${target.role}, not as ${leg.role}`,
    );
  const already = record.legs.find((l) => l.mspId === leg.mspId && l.corrects === target.legId);
  if (already !== undefined)
    fail(
      'INVALID_INPUT',
      `leg ${target.legId} was already corrected by leg ${already.legId}: correct ${already.legId} instead`,
    );
}

/**
 * A new case: the reference's first leg on this route. Its parties are the route's institutions, fixed for
 * good. Other cases of the same reference (legs that declared other routes for it) learn of this one, and it of
 * them: each then reports the disagreement (UNEXPECTED_LEG), to its own parties only.
 */
async function newCase(ctx: TallyContext, caseId: string, leg: Leg): Promise<CaseRecord> {
  const route = leg.route; // canonical order already: parseLeg's parseRoute gives it
  const configured = await ctx.getJson<{ serviceLevelMs: number }>(keys.serviceLevel(textOfRoute(route)));
  const serviceLevelMs = configured?.serviceLevelMs ?? LIMITS.serviceLevelMsDefault;
  const dueAtMs = ctx.nowMs + serviceLevelMs;
  await ctx.putJson(keys.due(dueAtMs, caseId), { caseId });
  const others = await referenceCases(ctx, caseId);
  for (const other of others) {
    await reevaluate(
      ctx,
      { ...other, otherCases: sortedCopy([...other.otherCases, caseId], byText) },
      ctx.nowMs >= other.dueAtMs,
    );
  }
  return {
    awaitingLegs: true,
    breaks: [],
    caseId,
    dueAtMs,
    expected: route,
    legs: [],
    openedAt: ctx.nowIso,
    otherCases: others.map((o) => o.caseId),
    parties: sortedCopy([...new Set(route.map((s) => s.mspId))], byText),
    serviceLevelMs,
    status: 'PENDING',
    updatedAt: ctx.nowIso,
  };
}

/**
 * Every case of a reference, named by one of its case ids or by its caseIdPrefix (one case per route declared
 * for it), in case id order, as this transaction sees them: one point read, then the transaction's own view.
 */
async function referenceCases(ctx: TallyContext, caseId: string): Promise<readonly CaseRecord[]> {
  const key = keys.referenceCases(caseId);
  let cases = ctx.referenceCases.get(key);
  if (cases === undefined) {
    const stored = await ctx.getJson<unknown>(key);
    cases = stored === undefined ? [] : decodeReferenceCases(stored);
    ctx.referenceCases.set(key, cases);
  }
  return cases;
}

// Records are built with their keys in sorted order: canonicalJson then takes the engine's JSON.stringify
// (see codec.ts). A record built otherwise is still encoded right, only slower.
const MATCH_FIELDS_SORTED = [...MATCH_FIELDS].sort();

/** One salted digest per match field: equal values give equal digests; without the reference nothing can be guessed. */
function fieldDigests(leg: Leg): Record<MatchField, string> {
  const digests = {} as Record<MatchField, string>;
  for (const f of MATCH_FIELDS_SORTED) digests[f] = saltedDigest(leg.reference, f, matchFieldText(leg, f));
  return digests;
}

/**
 * The leg's details as its record keeps them, sealed. The first leg of a case seals them all. A later leg
 * refers to the first (`baseLeg`) and seals only the match fields whose digests differ from the first leg's,
 * with its own branch; a leg that matches and has no branch seals nothing at all. The parties read the later
 * leg's details from the first leg's and its own, exactly as before (readCase checks the rebuilt leg against
 * its input hash); a seal is most of what posting a leg costs, and most legs match.
 */
function sealedLegDetails(
  ctx: TallyContext,
  leg: Leg,
  caseId: string,
  digests: Readonly<Record<MatchField, string>>,
  first: CaseLeg | undefined,
): Pick<LegIndexRecord, 'baseLeg' | 'sealedDetail' | 'sealedDiff'> {
  const detail = legDetail(leg);
  const sealAs = (value: Record<string, unknown>): string =>
    seal(leg.reference, caseId, ctx.sealNonce(), canonicalJson(value));
  if (first === undefined) return { sealedDetail: sealAs(detail) };
  // The detail's keys are the match fields and the branch, in order: the difference keeps that order.
  const diff: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) {
    const kept =
      k === 'branch' ? v !== undefined : digests[k as MatchField] !== first.digests[k as MatchField];
    if (kept) diff[k] = v;
  }
  const baseLeg = `${first.mspId}:${first.legId}`;
  return Object.keys(diff).length > 0 ? { baseLeg, sealedDiff: sealAs(diff) } : { baseLeg };
}

/** What a leg's sealed copy holds: the leg without what the case record shows and the reference. Keys in order. */
function legDetail(leg: Leg): Record<string, unknown> {
  return {
    amountMinor: leg.amountMinor.toString(),
    branch: leg.branch,
    currency: leg.currency,
    outcome: leg.outcome,
    payeeRef: leg.payeeRef,
    payerRef: leg.payerRef,
    valueDate: leg.valueDate,
  };
}

/** What identifies a leg besides its details: in the case record, or known to every reader (the reference). */
type LegIdentity = Pick<Leg, 'corrects' | 'legId' | 'mspId' | 'reference' | 'role' | 'route'>;

/** The whole leg from its details and identity: keys in order (the form the input hash is taken of). */
function wholeLeg(detail: Record<string, unknown>, id: LegIdentity): Record<string, unknown> {
  return {
    amountMinor: detail.amountMinor,
    branch: detail.branch,
    corrects: id.corrects,
    currency: detail.currency,
    legId: id.legId,
    mspId: id.mspId,
    outcome: detail.outcome,
    payeeRef: detail.payeeRef,
    payerRef: detail.payerRef,
    reference: id.reference,
    role: id.role,
    route: id.route,
    valueDate: detail.valueDate,
  };
}

/** The leg as the private record stores it: keys in order, the amount as its decimal text. */
function legJson(leg: Leg): Record<string, unknown> {
  return wholeLeg(legDetail(leg), leg);
}

/**
 * Matches the case's legs and carries out what the core decides (decideCase): breaks opened, updated or
 * cleared, the case out of the due index once every expected leg is in, the case written. Reads and writes
 * only; every decision is the core's.
 */
async function reevaluate(
  ctx: TallyContext,
  record: CaseRecord,
  serviceLevelPassed: boolean,
  noticesAdded: readonly Notice[] = [],
): Promise<CaseRecord> {
  // Matching decides nothing about persons: the open breaks as they are, their persons left sealed.
  const stored = new Map<string, SealedBreak>();
  const open = new Map<string, BreakRecord>();
  for (const ref of record.breaks) {
    if (!ref.open) continue;
    const b = await loadBreak(ctx, ref.breakId);
    stored.set(ref.breakId, b);
    open.set(ref.breakId, blindBreak(b));
  }
  const decision = decideCase(
    record,
    open,
    serviceLevelPassed,
    { actor: ctx.actor, at: ctx.nowIso, txId: ctx.txId },
    (findingKey, generation) => breakIdOf(record.caseId, findingKey, generation),
  );
  for (const w of decision.writes)
    await saveBreak(ctx, sealBreak(w.record, stored.get(w.record.breakId), undefined), w.action);
  if (decision.leavesDueIndex) await ctx.delete(keys.due(record.dueAtMs, record.caseId));
  const next: CaseRecord = {
    awaitingLegs: decision.awaitingLegs,
    breaks: decision.breaks,
    caseId: record.caseId,
    dueAtMs: record.dueAtMs,
    expected: record.expected,
    legs: record.legs,
    ...(decision.matchedAt === undefined ? {} : { matchedAt: decision.matchedAt }),
    ...(record.notices === undefined || record.notices.length === 0 ? {} : { notices: record.notices }),
    openedAt: record.openedAt,
    otherCases: record.otherCases,
    parties: record.parties,
    serviceLevelMs: record.serviceLevelMs,
    status: decision.status,
    updatedAt: ctx.nowIso,
  };
  await writeCase(ctx, next, noticesAdded);
  return next;
}

/** One case, as this transaction sees it. */
async function readCaseRecord(ctx: TallyContext, caseId: string): Promise<CaseRecord | undefined> {
  return (await referenceCases(ctx, caseId)).find((c) => c.caseId === caseId);
}

/**
 * Every write of a case record goes with its line in the transaction's event, so an index can follow. The case
 * is written with its reference's other cases, under their one key.
 */
async function writeCase(
  ctx: TallyContext,
  record: CaseRecord,
  noticesAdded: readonly Notice[] = [],
): Promise<void> {
  const key = keys.referenceCases(record.caseId);
  const cases = [
    ...(await referenceCases(ctx, record.caseId)).filter((c) => c.caseId !== record.caseId),
    record,
  ];
  if (cases.length > 1) cases.sort((x, y) => byText(x.caseId, y.caseId));
  ctx.referenceCases.set(key, cases);
  await ctx.putJson(key, encodeReferenceCases(cases));
  ctx.recordCase({
    caseId: record.caseId,
    dueAtMs: record.dueAtMs,
    expected: record.expected,
    legCount: record.legs.length,
    ...(noticesAdded.length === 0 ? {} : { notices: noticesAdded }),
    openedAt: record.openedAt,
    parties: record.parties,
    status: record.status,
    updatedAt: record.updatedAt,
  });
}

async function loadBreak(ctx: TallyContext, breakId: string): Promise<SealedBreak> {
  const b = await ctx.getJson<SealedBreak>(keys.break(breakId));
  if (!b) fail('BREAK_NOT_FOUND', `no break ${breakId}`);
  return b;
}

/** Parties see their cases and breaks; auditors see every one; anyone else is told it does not exist. */
function mayRead(ctx: TallyContext, parties: readonly string[]): boolean {
  return parties.includes(ctx.actor.mspId) || hasAnyRole(ctx.actor, ['auditor']);
}

/**
 * A break as the caller may know it: to a non-party (not an auditor) it does not exist, with the very answer a
 * missing break gets, so that asking is no oracle of what other institutions have open.
 */
async function visibleBreak(ctx: TallyContext, breakId: string, readOnly = true): Promise<SealedBreak> {
  const b = await loadBreak(ctx, breakId);
  const allowed = readOnly ? mayRead(ctx, b.parties) : b.parties.includes(ctx.actor.mspId);
  if (!allowed) fail('BREAK_NOT_FOUND', `no break ${breakId}`);
  return b;
}

async function saveBreak(
  ctx: TallyContext,
  b: SealedBreak,
  action: BreakAction['type'] | 'OPEN' | 'UPDATE',
): Promise<void> {
  await ctx.putJson(keys.break(b.breakId), b);
  for (const party of b.parties) {
    const key = keys.openBreak(party, b.breakId);
    if (b.status === 'RESOLVED') await ctx.delete(key);
    else if (action === 'OPEN' || action === 'UPDATE')
      await ctx.putJson(key, { breakId: b.breakId, caseId: b.caseId } satisfies OpenBreakIndexEntry);
  }
  ctx.recordBreak({
    breakId: b.breakId,
    caseId: b.caseId,
    reason: b.reason,
    status: b.status,
    action,
    parties: b.parties,
    findingKey: b.findingKey,
    detail: b.detail,
    openedAt: b.openedAt,
    people: b.people,
    ...(b.resolution ? { resolution: b.resolution } : {}),
    ...(b.proposal?.rootCause ? { proposalRootCause: b.proposal.rootCause } : {}),
    ...(b.rootCause ? { rootCause: b.rootCause } : {}),
    ...(b.dueAt ? { dueAt: b.dueAt } : {}),
    ...(action === 'UPDATE' ? {} : { entry: b.timeline[b.timeline.length - 1] }),
  });
}

/** Flags every case whose service level has run out with legs still missing. Deterministic: time is the tx's. */
export async function sweep(
  ctx: TallyContext,
  limit: number,
): Promise<{ flagged: number; examined: number; more: boolean }> {
  requireRole(ctx, ['submitter', 'reconciler', 'admin'], 'sweeping overdue cases');
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.sweepMax)
    fail('INVALID_INPUT', `limit must be 1-${LIMITS.sweepMax}`);
  const [from, to] = keys.dueRangeUntil(ctx.nowMs);
  const caseIds: string[] = [];
  let more = false;
  const iterator = await ctx.stub.getStateByRange(from, to);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      if (caseIds.length === limit) {
        more = true;
        break;
      }
      caseIds.push(decode<{ caseId: string }>(r.value.value).caseId);
    }
  } finally {
    await iterator.close();
  }
  let flagged = 0;
  for (const caseId of caseIds) {
    const record = await readCaseRecord(ctx, caseId);
    if (!record) fail('CASE_NOT_FOUND', `due index names case ${caseId}, which does not exist`);
    const before = record.breaks.length;
    const after = await reevaluate(ctx, record, true);
    if (after.breaks.length > before) flagged++;
  }
  return { flagged, examined: caseIds.length, more };
}

/** A client-chosen idempotency key (the HTTP Idempotency-Key header): what a retry names its first attempt by. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._~:-]{1,128}$/;

interface IdempotencyRecord {
  readonly inputHash: string;
  readonly operation: string;
  readonly result: string;
  readonly txId: string;
}

/**
 * Runs a mutation at most once per idempotency key (transient `idempotencyKey`). The key is the record's key in
 * the acting institution's own collection, with a hash of the operation, its input and the signer: the same key
 * with the same input returns the first result and writes nothing; with another input (or signer) it is
 * IDEMPOTENCY_CONFLICT naming the first transaction. Without a key the mutation simply runs.
 */
export async function once<T>(
  ctx: TallyContext,
  operation: string,
  input: Readonly<Record<string, unknown>>,
  run: () => Promise<T>,
): Promise<T> {
  const key = ctx.transient('idempotencyKey');
  if (key === undefined) return run();
  if (!IDEMPOTENCY_KEY.test(key))
    fail('INVALID_INPUT', 'idempotencyKey must be 1-128 letters, digits or . _ ~ : -');
  const reference = ctx.transient('reference');
  const inputHash = sha256Hex(
    canonicalJson({
      comment: ctx.transient('comment') ?? null,
      input,
      operation,
      // The reference is a secret: only its hash takes part (and only that it was given matters).
      reference: reference === undefined ? null : sha256Hex(reference),
      signer: ctx.actor.id,
    }),
  );
  const collection = implicitCollection(ctx.actor.mspId);
  const recordKey = keys.idempotency(key);
  const stored = utf8Text(await ctx.stub.getPrivateData(collection, recordKey));
  if (stored) {
    const first = JSON.parse(stored) as IdempotencyRecord;
    if (first.inputHash !== inputHash)
      fail(
        'IDEMPOTENCY_CONFLICT',
        `idempotency key ${key} was used for another request (${first.operation}, tx ${first.txId})`,
      );
    return JSON.parse(first.result) as T;
  }
  const result = await run();
  await ctx.putPrivate(
    collection,
    recordKey,
    canonicalJson({
      inputHash,
      operation,
      result: canonicalJson(result ?? null),
      txId: ctx.txId,
    } satisfies IdempotencyRecord),
  );
  return result;
}

/**
 * One step of the break workflow, signed by the person who takes it. The decision is also written to the
 * acting institution's implicit collection, so the transaction is valid only if that institution endorsed it.
 */
export async function actOnBreak(
  ctx: TallyContext,
  breakId: string,
  action: BreakAction,
): Promise<SealedBreak> {
  if (action.type === 'CLEAR') fail('INVALID_TRANSITION', 'breaks are cleared by matching, not by hand');
  requireRole(ctx, ACTION_ROLES[action.type], action.type);
  const sealed = await visibleBreak(ctx, breakId, false);
  // Every step names its person, sealed for the parties: a step carries the reference (the node adds the one it
  // holds), and the persons it decides on (assignee, proposer) are opened with it.
  const reference = parseReference(ctx.transient('reference'), 'transient reference');
  if (!isCaseOf(sealed.caseId, reference))
    fail('INVALID_REFERENCE', `the reference given is not the payment of break ${breakId}`);
  const b = openSealedBreak(sealed, reference);
  const comment = parseText(ctx.transient('comment'), 'comment', LIMITS.commentMax, false);
  const stored = comment === '' ? '' : seal(reference, b.caseId, ctx.sealNonce(), comment);
  const next = applyBreakAction(b, action, {
    actor: ctx.actor,
    at: ctx.nowIso,
    txId: ctx.txId,
    comment: stored,
  });
  // The machine allowed it; a write-off's approval also needs the approver's authority for its amount.
  if (action.type === 'APPROVE' && b.proposal?.kind === 'WRITE_OFF') await requireWriteOffWithinLimit(ctx, b);
  // Nothing changed (assigned again to the person who has it): nothing is written, no version, no event.
  if (next === b) return sealed;
  const nextSealed = sealBreak(next, sealed, (text) =>
    seal(reference, b.caseId, ctx.sealNonce(), text, 'people'),
  );
  await saveBreak(ctx, nextSealed, action.type);
  const entry = next.timeline[next.timeline.length - 1];
  await ctx.putPrivate(
    implicitCollection(ctx.actor.mspId),
    `dec:${breakId}:${entry?.seq ?? 0}`,
    canonicalJson({ breakId, action: action.type, seq: entry?.seq, by: ctx.actor.id, txId: ctx.txId }),
  );
  if (next.status === 'RESOLVED') {
    const record = await readCaseRecord(ctx, b.caseId);
    if (record) {
      const breaks = record.breaks.map((r) => (r.breakId === breakId ? { ...r, open: false } : r));
      await writeCase(ctx, { ...record, breaks, updatedAt: ctx.nowIso });
    }
  }
  // The transaction's result is in the block with its endorsements: the break as the ledger holds it.
  return nextSealed;
}

export async function setServiceLevel(
  ctx: TallyContext,
  route: string,
  serviceLevelMs: number,
): Promise<void> {
  requireRole(ctx, ['admin'], 'setting a service level');
  const stops = route.split('>').map((s) => {
    const [mspId, role] = s.split('/');
    return { mspId, role };
  });
  const parsed = parseRoute(stops, 'route');
  if (!parsed.some((s) => s.mspId === ctx.actor.mspId))
    fail('NOT_A_PARTY', `${ctx.actor.mspId} is not on route ${route}`);
  if (
    !Number.isInteger(serviceLevelMs) ||
    serviceLevelMs < LIMITS.serviceLevelMsMin ||
    serviceLevelMs > LIMITS.serviceLevelMsMax
  ) {
    fail(
      'INVALID_INPUT',
      `serviceLevelMs must be a whole number of ms from ${LIMITS.serviceLevelMsMin} to ${LIMITS.serviceLevelMsMax}`,
    );
  }
  await ctx.putJson(keys.serviceLevel(routeText(parsed)), {
    serviceLevelMs,
    setBy: ctx.actor.mspId,
    at: ctx.nowIso,
  });
}

// ---- queries -------------------------------------------------------------------------------------------

async function loadCase(ctx: TallyContext, caseId: string): Promise<CaseRecord> {
  const record = await readCaseRecord(ctx, caseId);
  if (!record) fail('CASE_NOT_FOUND', `no case ${caseId}`);
  return record;
}

/** A case's public record, for its parties and auditors; to anyone else it does not exist (as for breaks). */
export async function getCase(ctx: TallyContext, caseId: string): Promise<CaseRecord> {
  const record = await loadCase(ctx, caseId);
  if (!mayRead(ctx, record.parties)) fail('CASE_NOT_FOUND', `no case ${caseId}`);
  return record;
}

/**
 * A case with its details opened, for its parties only: they prove knowledge of the reference and membership.
 * A reference has one case per route declared for it; `caseId` picks one, and without it the first the caller
 * is a party to (by case id) is opened. Even an auditor opens no details: the sealed legs are for the parties,
 * who know the reference anyway.
 */
export async function readCase(
  ctx: TallyContext,
  caseId: string,
): Promise<{ case: CaseRecord; legs: unknown[]; breaks: BreakRecord[] }> {
  const reference = parseReference(ctx.transient('reference'), 'transient reference');
  if (caseId !== '' && !isCaseOf(caseId, reference))
    fail('INVALID_REFERENCE', `the reference given is not the payment of case ${caseId}`);
  const mine = (await referenceCases(ctx, caseIdPrefix(reference))).filter(
    (c) => c.parties.includes(ctx.actor.mspId) && (caseId === '' || c.caseId === caseId),
  );
  const record = mine[0];
  if (!record) fail('CASE_NOT_FOUND', `no case ${caseId || 'of that reference'}`);
  const legs = await openCaseLegs(ctx, record, reference);
  const breaks: BreakRecord[] = [];
  for (const ref of record.breaks)
    breaks.push(openComments(openSealedBreak(await loadBreak(ctx, ref.breakId), reference), reference));
  return { case: record, legs, breaks };
}

/** Every leg of the case as posted, in the case's order, each with its public record and its opened details. */
async function openCaseLegs(
  ctx: TallyContext,
  record: CaseRecord,
  reference: PaymentReference,
): Promise<(CaseLeg & { detail: Record<string, unknown> })[]> {
  const legs: (CaseLeg & { detail: Record<string, unknown> })[] = [];
  // The legs opened so far, by `<MSP ID>:<leg id>`: a later leg's details build on the first leg's.
  const opened = new Map<string, Record<string, unknown>>();
  for (const l of record.legs) {
    const index = await ctx.getJson<LegIndexRecord>(keys.leg(l.mspId, l.legId));
    if (index?.caseId !== record.caseId)
      fail('LEG_NOT_FOUND', `the record of leg ${l.legId} (${l.mspId}) is missing`);
    const whole = openLeg(reference, record.caseId, l, index, opened);
    opened.set(`${l.mspId}:${l.legId}`, whole);
    legs.push({ ...l, detail: whole });
  }
  return legs;
}

/**
 * A write-off is approved only within the approver's authority (their certificate's write-off limit in the
 * currency): the amount it writes off is the chaincode's own reckoning from the case's live legs, opened with the
 * reference the approval carries (core/writeOff.ts), never a figure the approver states.
 */
async function requireWriteOffWithinLimit(ctx: TallyContext, b: BreakRecord): Promise<void> {
  const reference = parseReference(ctx.transient('reference'), 'transient reference');
  if (!isCaseOf(b.caseId, reference))
    fail('INVALID_REFERENCE', `the reference given is not the payment of break ${b.breakId}`);
  const record = await loadCase(ctx, b.caseId);
  const live = liveLegs(await openCaseLegs(ctx, record, reference));
  const stake = writeOffStake(
    live.map((l) => stakeLeg(l.mspId, String(l.detail.amountMinor), String(l.detail.currency))),
    b.proposal?.proposer.mspId ?? ctx.actor.mspId,
  );
  requireWriteOffAuthority(
    parseWriteOffLimits(ctx.attribute(WRITE_OFF_LIMIT_ATTRIBUTE)),
    stake,
    `${ctx.actor.name} of ${ctx.actor.mspId}`,
  );
}

/**
 * The leg as posted, from its sealed details (or the first leg's and its own differences) and what the case
 * record and the reader know. It must hash to the input hash recorded when it was posted: that proves the leg
 * is rebuilt exactly, field for field.
 */
function openLeg(
  reference: PaymentReference,
  caseId: string,
  l: CaseLeg,
  index: LegIndexRecord,
  opened: ReadonlyMap<string, Record<string, unknown>>,
): Record<string, unknown> {
  let detail: Record<string, unknown>;
  if (index.sealedDetail !== undefined) {
    detail = JSON.parse(unseal(reference, caseId, index.sealedDetail)) as Record<string, unknown>;
  } else {
    const base = opened.get(index.baseLeg as string);
    if (base === undefined)
      fail(
        'LEG_NOT_FOUND',
        `leg ${l.legId} (${l.mspId}) takes its details from leg ${String(index.baseLeg)}, which is not open`,
      );
    const diff =
      index.sealedDiff === undefined
        ? {}
        : (JSON.parse(unseal(reference, caseId, index.sealedDiff)) as Record<string, unknown>);
    detail = { branch: diff.branch };
    for (const f of MATCH_FIELDS) detail[f] = f in diff ? diff[f] : base[f];
  }
  const text = canonicalJson(wholeLeg(detail, { ...l, reference }));
  if (sha256Hex(text) !== index.inputHash)
    throw new Error(`leg ${l.legId} of ${l.mspId}: its sealed details do not rebuild the leg as posted`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The caller's own legs as posted, from its institution's implicit private collection: what its node keeps in
 * plaintext beside the index is read back from the ledger, never taken from what the API was sent. Only the
 * institution's own collection is ever read, whatever the input names; a leg missing there is LEG_NOT_FOUND.
 */
export async function readOwnLegs(ctx: TallyContext, raw: unknown): Promise<unknown[]> {
  if (ctx.actor.roles.length === 0) fail('ROLE_REQUIRED', 'reading own legs needs a role');
  if (!Array.isArray(raw)) fail('INVALID_INPUT', 'legs must be a JSON array of { caseId, legId }');
  if (raw.length > LIMITS.ownLegsReadMax)
    fail('BATCH_TOO_LARGE', `at most ${LIMITS.ownLegsReadMax} legs per read, got ${raw.length}`);
  const refs = raw.map((r: unknown, i): OwnLegRef => {
    const ref = (r ?? {}) as Record<string, unknown>;
    return {
      caseId: parseText(ref.caseId, `legs[${i}].caseId`, 128),
      legId: parseText(ref.legId, `legs[${i}].legId`, 128),
    };
  });
  const collection = implicitCollection(ctx.actor.mspId);
  const out: unknown[] = [];
  for (const ref of refs) {
    const text = utf8Text(await ctx.stub.getPrivateData(collection, keys.legRecord(ref.caseId, ref.legId)));
    if (!text) fail('LEG_NOT_FOUND', `no leg ${ref.legId} of ${ctx.actor.mspId} in case ${ref.caseId}`);
    out.push(JSON.parse(text) as unknown);
  }
  return out;
}

export function openComments(b: BreakRecord, reference: string): BreakRecord {
  return {
    ...b,
    timeline: b.timeline.map((e) => {
      const opened = e.comment ? { ...e, comment: unseal(reference, b.caseId, e.comment) } : e;
      // An attached file's name is sealed as a comment is (reconciliationContract.ts: attachToBreak).
      return e.attachment
        ? { ...opened, attachment: { ...e.attachment, name: unseal(reference, b.caseId, e.attachment.name) } }
        : opened;
    }),
  };
}

/** A break as the ledger holds it (persons and comments sealed); with transient `reference`, opened (parties). */
export async function readBreak(ctx: TallyContext, breakId: string): Promise<SealedBreak | BreakRecord> {
  const b = await visibleBreak(ctx, breakId);
  const reference = ctx.transient('reference');
  if (reference === undefined) return b;
  if (!b.parties.includes(ctx.actor.mspId)) fail('BREAK_NOT_FOUND', `no break ${breakId}`);
  if (!isCaseOf(b.caseId, parseReference(reference, 'transient reference'))) {
    fail('INVALID_REFERENCE', `the reference given is not the payment of break ${breakId}`);
  }
  return openComments(openSealedBreak(b, reference), reference);
}

export async function listOpenBreaks(
  ctx: TallyContext,
  mspId: string,
  pageSize: number,
  bookmark: string,
): Promise<{ items: SealedBreak[]; bookmark: string }> {
  if (mspId !== ctx.actor.mspId && !hasAnyRole(ctx.actor, ['auditor'])) {
    fail('NOT_A_PARTY', `${ctx.actor.mspId} may list only its own open breaks`);
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIMITS.pageSizeMax)
    fail('INVALID_INPUT', `pageSize must be 1-${LIMITS.pageSizeMax}`);
  const [from, to] = keys.openBreakRange(mspId);
  // A bookmark is where the next page starts: one outside this institution's range would page through another's.
  if (bookmark !== '' && !(bookmark >= from && bookmark < to))
    fail('INVALID_INPUT', 'bookmark is not one a listing of these open breaks gave');
  const { iterator, metadata } = await ctx.stub.getStateByRangeWithPagination(from, to, pageSize, bookmark);
  const items: SealedBreak[] = [];
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      const entry = decode<OpenBreakIndexEntry>(r.value.value);
      items.push(await loadBreak(ctx, entry.breakId));
    }
  } finally {
    await iterator.close();
  }
  return { items, bookmark: items.length < pageSize ? '' : metadata.bookmark };
}

export async function history(ctx: TallyContext, kind: string, id: string): Promise<HistoryEntry[]> {
  let key: string;
  switch (kind) {
    case 'case':
      await getCase(ctx, id);
      key = keys.referenceCases(id);
      break;
    case 'break':
      await visibleBreak(ctx, id);
      key = keys.break(id);
      break;
    case 'leg': {
      const [mspId, legId] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
      if (!mspId || !legId) fail('INVALID_INPUT', 'a leg is named mspId:legId');
      if (mspId !== ctx.actor.mspId && !hasAnyRole(ctx.actor, ['auditor']))
        fail('NOT_A_PARTY', `${ctx.actor.mspId} may not read the legs of ${mspId}`);
      key = keys.leg(mspId, legId);
      break;
    }
    default:
      return fail('INVALID_INPUT', `kind must be case, break or leg, got ${JSON.stringify(kind)}`);
  }
  if (ctx.actor.roles.length === 0) fail('ROLE_REQUIRED', 'reading history needs a role');
  const out: HistoryEntry[] = [];
  const iterator = await ctx.stub.getHistoryForKey(key);
  let previousCase = '';
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      const m = r.value;
      const seconds = Number(m.timestamp.seconds);
      const ms = seconds * 1000 + Math.floor(m.timestamp.nanos / 1e6);
      const text = utf8Text(m.value);
      let value = text ? (JSON.parse(text) as unknown) : null;
      if (kind === 'case' && value !== null) {
        // The key holds every case of the reference: a version is this case's when this case changed in it.
        const found = decodeReferenceCases(value).find((c) => c.caseId === id);
        const asText = found === undefined ? '' : canonicalJson(found);
        if (asText === '' || asText === previousCase) continue;
        previousCase = asText;
        value = found;
      }
      out.push({ txId: m.txId, timestamp: new Date(ms).toISOString(), isDelete: m.isDelete, value });
    }
  } finally {
    await iterator.close();
  }
  if (out.length === 0)
    fail(
      kind === 'case' ? 'CASE_NOT_FOUND' : kind === 'break' ? 'BREAK_NOT_FOUND' : 'LEG_NOT_FOUND',
      `no history for ${kind} ${id}`,
    );
  return out;
}
