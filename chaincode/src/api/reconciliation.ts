/**
 * The shapes the reconciliation contract's transactions return, shared with applications: declared once here,
 * with no Fabric import and no implementation, so that the application never imports the contract.
 */
import type { LegRole, MatchField, RouteStop } from '../core/leg';
import type { CaseStatus } from '../core/matching';

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
}

export interface CaseBreakRef {
  readonly findingKey: string;
  readonly breakId: string;
  readonly open: boolean;
  readonly cleared: boolean;
}

/** The public record of a case: what every member may see. No amount, account or payment reference. */
export interface CaseRecord {
  readonly caseId: string;
  readonly parties: readonly string[];
  readonly expected: readonly RouteStop[];
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
