import type { Actor } from '../actor';
import { fail } from '../errors';
import { byText, sortedCopy } from '../sorted';
import { effectiveStatus, type EntryRecord } from './entry';
import type { QueryRecord } from './query';

/**
 * A hit: a recorded query of the signer's institution about the entry's subject key, made while the entry was
 * listed, that found entries. Confirming an entry (item 4) and asking for its evidence (item 7) both need one,
 * so neither is open to a member that never looked the subject up through a recorded query.
 */
export function requireHit(
  query: QueryRecord | undefined,
  entry: EntryRecord,
  mspId: string,
  queryId: string,
): void {
  if (
    query === undefined ||
    query.querier.mspId !== mspId ||
    !query.subjectKeys.includes(entry.subjectKey) ||
    query.hits === 0
  )
    fail('NOT_A_HIT', `${mspId} has no recorded query ${queryId} of that subject that found entries`);
  if (query.at < entry.listedAt)
    fail(
      'NOT_A_HIT',
      `query ${queryId} was made at ${query.at}, before the entry was listed (${entry.listedAt})`,
    );
}

/**
 * A querier marks a hit as confirmed (its own investigation agrees): the entry counts more for its uploader's
 * allowance (metering.ts). One confirmation per institution; the uploader cannot confirm its own entry; only an
 * entry in force or disputed can be confirmed. The same confirmation again is UNCHANGED.
 */
export function decideConfirmation(
  entry: EntryRecord,
  query: QueryRecord | undefined,
  queryId: string,
  actor: Actor,
  today: string,
): { outcome: 'CONFIRMED' | 'UNCHANGED'; entry: EntryRecord } {
  if (actor.mspId === entry.uploader)
    fail('WRONG_INSTITUTION', `${actor.mspId} listed this entry and cannot confirm it`);
  if (entry.confirmedBy?.includes(actor.mspId)) return { entry, outcome: 'UNCHANGED' };
  requireHit(query, entry, actor.mspId, queryId);
  const status = effectiveStatus(entry, today);
  if (status !== 'ACTIVE' && status !== 'DISPUTED')
    fail('INVALID_TRANSITION', `the entry is ${status}: only an entry in force can be confirmed`);
  return {
    entry: { ...entry, confirmedBy: sortedCopy([...(entry.confirmedBy ?? []), actor.mspId], byText) },
    outcome: 'CONFIRMED',
  };
}
