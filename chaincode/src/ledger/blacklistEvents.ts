import type { EntryStatus } from '../core/blacklist/entry';
import type { DisputeStatus } from '../core/blacklist/dispute';
import type { EvidenceRequestStatus } from '../core/blacklist/evidenceRequest';
import type { ProposalStatus } from '../core/blacklist/proposal';
import { canonicalJsonBytes, utf8Text } from './codec';

/**
 * The blacklist's one event per transaction (Fabric keeps only the last event a transaction sets), beside the
 * reconciliation's `tallystick.changes`: a node's index and its watchlist (issue 19 item 5) follow it. Public
 * facts only, as the state already holds them: subject keys, never identifiers; no evidence.
 */
export const BLACKLIST_CHANGES_EVENT = 'tallystick.blacklist';

export interface EntryChange {
  readonly subjectKey: string;
  readonly keyVersion: number;
  readonly uploader: string;
  readonly category: string;
  readonly status: EntryStatus;
  readonly expiresOn: string;
}

export interface QueryChange {
  readonly queryId: string;
  readonly querier: string;
  readonly purpose: string;
  readonly subjectKeys: readonly string[];
  readonly hits: number;
}

export interface ProposalChange {
  readonly proposalId: string;
  readonly status: ProposalStatus;
  readonly approvals: readonly string[];
}

export interface DisputeChange {
  readonly disputeId: string;
  readonly subjectKey: string;
  readonly uploader: string;
  readonly category: string;
  /** The member that opened the dispute (its inbox at the uploader's and its own node: `GET /v1/blacklist/disputes`). */
  readonly disputer: string;
  readonly status: DisputeStatus;
  /** The last ledger day of the current period for an answer, a contest or votes (null once decided). */
  readonly deadline: string | null;
}

export interface EvidenceRequestChange {
  readonly requestId: string;
  readonly requester: string;
  readonly uploader: string;
  readonly status: EvidenceRequestStatus;
}

export interface BlacklistChanges {
  readonly txId: string;
  readonly at: string;
  readonly entries: readonly EntryChange[];
  readonly queries: readonly QueryChange[];
  readonly members: readonly string[];
  readonly proposals: readonly ProposalChange[];
  /** Disputes opened or moved on, evidence requests made or decided (absent when none). */
  readonly disputes?: readonly DisputeChange[];
  readonly evidenceRequests?: readonly EvidenceRequestChange[];
  /** The policy version this transaction adopted, if it adopted one. */
  readonly policyVersion: number | null;
}

export function encodeBlacklistChanges(changes: BlacklistChanges): Buffer {
  return canonicalJsonBytes(changes);
}

export function decodeBlacklistChanges(payload: Uint8Array): BlacklistChanges {
  return JSON.parse(utf8Text(payload)) as BlacklistChanges;
}
