/**
 * The shapes the reconciliation contract's transactions return, shared with applications: declared once here,
 * with no Fabric import and no implementation, so that the application never imports the contract.
 */
import type { BreakRecord, ResolutionKind, TimelineEntry } from '../core/breakMachine';
import type { LegRole, MatchField, RouteStop } from '../core/leg';
import type { BreakRef } from '../core/caseDecision';
import type { CaseStatus } from '../core/matching';
import type { RootCause } from '../core/rootCause';
import type { Notice } from '../core/notices';

/** A leg as the public case record shows it: who posted it where and when; its details are sealed apart (LegIndexRecord). */
export interface CaseLeg {
  readonly legId: string;
  readonly mspId: string;
  readonly role: LegRole;
  readonly route: readonly RouteStop[];
  readonly postedAt: string;
  readonly txId: string;
  /** SHA-256 of `reference ␟ field ␟ value` per match field: what matching compares, what anyone can re-check. */
  readonly digests: Readonly<Record<MatchField, string>>;
  /** The institution's own earlier leg of the case that this leg corrects (superseded: no longer matched). */
  readonly corrects?: string;
}

/** A case's reference to one of its breaks: declared with the decision that makes it (core/caseDecision). */
export type CaseBreakRef = BreakRef;

/**
 * The public record of a case: what its parties and auditors may see. No amount, account or payment reference.
 * A case holds the legs of one payment reference on one route (`expected`, which every leg declares); legs that
 * declared another route for the same reference are in other cases (`otherCases`).
 */
export interface CaseRecord {
  readonly caseId: string;
  /** The institutions on the route: only they can post into the case or act on its breaks. */
  readonly parties: readonly string[];
  readonly expected: readonly RouteStop[];
  /** The other cases of the same reference (other routes declared for it), by id. */
  readonly otherCases: readonly string[];
  readonly status: CaseStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly matchedAt?: string;
  readonly serviceLevelMs: number;
  readonly dueAtMs: number;
  /** Whether the case still sits in the due index (waits for legs). */
  readonly awaitingLegs: boolean;
  readonly legs: readonly CaseLeg[];
  readonly breaks: readonly CaseBreakRef[];
  /**
   * Notices for the parties (core/notices.ts): each lets one party's node learn the payment reference, so that a
   * party whose leg is the missing one follows the case from its first leg. Absent when none was given.
   */
  readonly notices?: readonly Notice[];
}

export interface PostedLeg {
  readonly legId: string;
  readonly caseId: string;
  readonly outcome: 'POSTED' | 'UNCHANGED';
  readonly caseStatus: CaseStatus;
}

/** A leg of the caller's own institution, named by its case and id (both public). */
export interface OwnLegRef {
  readonly caseId: string;
  readonly legId: string;
}

export interface HistoryEntry {
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly value: unknown;
}

/**
 * A break as the ledger holds it (state, events, transaction results): no person in plaintext. Who it is
 * assigned to, who proposed and approved, and who took each step are sealed for the case's parties under the
 * case's people key (ledger/seal.ts: `people`); comments under its detail key, as legs are. A party opens it
 * with the reference (ledger/breakPeople.ts: openSealedBreak), as the chaincode does for every step.
 */
export interface SealedBreak extends Omit<BreakRecord, 'assignee' | 'proposal' | 'timeline'> {
  /** Sealed `{ assignee?, proposer?, approver? }` (PersonRefs); '' while the break names nobody. */
  readonly people: string;
  readonly proposal?: { readonly kind: ResolutionKind; readonly rootCause?: RootCause };
  readonly timeline: readonly SealedEntry[];
}

/** A timeline entry as the ledger holds it: its actor (and an assignment's assignee) sealed. */
export interface SealedEntry extends Omit<TimelineEntry, 'actor' | 'assignee'> {
  /**
   * Sealed `{ actor, assignee? }`; '' for the ledger's own steps (OPEN and CLEAR: matching opens and clears, in
   * whichever member's transaction; that transaction's signer is in the block).
   */
  readonly people: string;
}
