import type { DisputeChange, EntryChange } from '../../../chaincode/src/ledger/blacklistEvents';
import type { BlacklistNotice } from '../ledger/blacklistNotices';

export type { BlacklistNotice };

/** A watched subject key as the matcher sees it: which watch, and from which block on it raises alerts. */
export interface WatchedKey {
  readonly watchId: string;
  readonly subjectKey: string;
  readonly sinceBlock: bigint;
}

export interface AlertDraft {
  readonly watchId: string;
  readonly blockNumber: bigint;
  readonly txIndex: number;
  readonly txId: string;
  readonly at: string;
  readonly entry: EntryChange;
}

/**
 * Pure: the alerts a batch of blacklist notices raises for an institution. An entry change raises one alert per
 * watch of its subject key when another member made it (an institution is not alerted about its own listings)
 * and its block is after the watch's `sinceBlock` (a watch alerts about what happens after it was added, not about
 * what its node had already read). Every change counts, not only listings: a watched subject's entry disputed or
 * revoked is news too. The result does not depend on the order of `watched`.
 */
export function matchAlerts(
  institution: string,
  notices: readonly BlacklistNotice[],
  watched: readonly WatchedKey[],
): AlertDraft[] {
  const byKey = new Map<string, WatchedKey[]>();
  for (const w of watched) {
    const list = byKey.get(w.subjectKey);
    if (list) list.push(w);
    else byKey.set(w.subjectKey, [w]);
  }
  const out: AlertDraft[] = [];
  for (const n of notices)
    for (const entry of n.changes.entries) {
      if (entry.uploader === institution) continue;
      const watches = [...(byKey.get(entry.subjectKey) ?? [])].sort((a, b) =>
        a.watchId.localeCompare(b.watchId),
      );
      for (const w of watches)
        if (n.blockNumber > w.sinceBlock)
          out.push({
            watchId: w.watchId,
            blockNumber: n.blockNumber,
            txIndex: n.txIndex,
            txId: n.changes.txId,
            at: n.changes.at,
            entry,
          });
    }
  return out;
}

/** The subject keys a batch of notices names in entry changes by other members: what the store looks up. */
export function subjectKeysOf(institution: string, notices: readonly BlacklistNotice[]): string[] {
  const keys = new Set<string>();
  for (const n of notices)
    for (const e of n.changes.entries) if (e.uploader !== institution) keys.add(e.subjectKey);
  return [...keys];
}

/** The institution's own entry changes in a batch, in ledger order (its contributions). */
export function ownChangesOf(
  institution: string,
  notices: readonly BlacklistNotice[],
): { readonly notice: BlacklistNotice; readonly entry: EntryChange }[] {
  return notices.flatMap((notice) =>
    notice.changes.entries.filter((e) => e.uploader === institution).map((entry) => ({ notice, entry })),
  );
}

/**
 * The dispute changes of a batch, in ledger order, each with its place (block, transaction): all of them, as every
 * member may read every dispute (the chaincode's READ_DISPUTE); the boxes (against us, opened by us, in a vote)
 * are filters of the list, not of what the node keeps.
 */
export function disputeChangesOf(
  notices: readonly BlacklistNotice[],
): { readonly notice: BlacklistNotice; readonly dispute: DisputeChange }[] {
  return notices.flatMap((notice) =>
    (notice.changes.disputes ?? [])
      // A ledger's blocks from before the event named the disputer cannot place the dispute in a box: left out
      // (its next step, in a newer block, brings it in, dated from that step), rather than stopping the follower.
      .filter((dispute) => (dispute as Partial<DisputeChange>).disputer !== undefined)
      .map((dispute) => ({ notice, dispute })),
  );
}
