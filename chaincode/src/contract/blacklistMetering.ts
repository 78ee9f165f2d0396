import { dayOf } from '../core/blacklist/dates';
import type { EntryRecord } from '../core/blacklist/entry';
import {
  allowanceOf,
  applyStanding,
  emptyContribution,
  meterQuery,
  standingOf,
  type Allowance,
  type ContributionRecord,
  type UsageRecord,
} from '../core/blacklist/metering';
import type { BlacklistPolicy } from '../core/blacklist/policy';
import { fail } from '../core/errors';
import { blacklistKeys } from '../ledger/blacklistKeys';
import { utf8Text } from '../ledger/codec';
import type { BlacklistContext } from './blacklistContext';

/**
 * Metering on the ledger (core/blacklist/metering.ts decides): each institution's contributions in one record,
 * changed whenever one of its entries changes standing, and its queries of the current period in another. Both
 * are per institution, not global: an institution's own queries serialise on its usage record (a read then a
 * write), other institutions' do not.
 */

/** Moves the uploader's contribution from the entry as it was (`before`, absent for a new one) to as it is. */
export async function updateStanding(
  ctx: BlacklistContext,
  before: EntryRecord | undefined,
  after: EntryRecord,
): Promise<void> {
  const today = dayOf(ctx.nowIso);
  const was = before === undefined ? null : standingOf(before, today);
  const is = standingOf(after, today);
  if (before !== undefined && was === is && before.expiresOn === after.expiresOn) return;
  const key = blacklistKeys.contribution(after.uploader);
  let record = (await ctx.getJson<ContributionRecord>(key)) ?? emptyContribution(after.uploader);
  if (before !== undefined) record = applyStanding(record, before.expiresOn, was, null, today);
  record = applyStanding(record, after.expiresOn, null, is, today);
  await ctx.putJson(key, record);
}

export async function allowanceOfInstitution(
  ctx: BlacklistContext,
  mspId: string,
  policy: BlacklistPolicy,
): Promise<Allowance> {
  const record =
    (await ctx.getJson<ContributionRecord>(blacklistKeys.contribution(mspId))) ?? emptyContribution(mspId);
  const usage = await ctx.getJson<UsageRecord>(blacklistKeys.usage(mspId));
  return allowanceOf(policy.metering, record, usage, dayOf(ctx.nowIso));
}

/** Counts the signer's query against its allowance, or refuses it (ALLOWANCE_EXCEEDED, with when it renews). */
export async function meter(ctx: BlacklistContext, policy: BlacklistPolicy): Promise<Allowance> {
  const allowance = await allowanceOfInstitution(ctx, ctx.actor.mspId, policy);
  const usage = meterQuery(allowance);
  await ctx.putJson(blacklistKeys.usage(ctx.actor.mspId), usage);
  return { ...allowance, remaining: allowance.remaining - 1, used: usage.used };
}

/**
 * An institution with revoked entries whose evidence it has not purged may neither list nor query until it
 * has (purgeEvidence): the members decided, and only the uploader's own endorsement can purge its collection.
 */
export async function requireNoPurgeDue(ctx: BlacklistContext): Promise<void> {
  const [from, to] = blacklistKeys.purgesDueOf(ctx.actor.mspId);
  const iterator = await ctx.stub.getStateByRange(from, to);
  let due: { subjectKey: string; category: string } | undefined;
  try {
    const r = await iterator.next();
    if (!r.done) due = JSON.parse(utf8Text(r.value.value)) as { subjectKey: string; category: string };
  } finally {
    await iterator.close();
  }
  if (due !== undefined)
    fail(
      'EVIDENCE_PURGE_DUE',
      `${ctx.actor.mspId} has revoked entries whose evidence it must purge first (e.g. ${due.category} of subject ${due.subjectKey}); purgeEvidence purges them`,
    );
}
