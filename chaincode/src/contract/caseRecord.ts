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

/**
 * The public record of a posted leg, written once: the case it went to, the hash of what was posted (a re-post
 * must match it), and the leg as posted, sealed with the payment reference so that only the parties can open it.
 */
export interface LegIndexRecord {
  readonly caseId: string;
  readonly inputHash: string;
  readonly txId: string;
  readonly postedAt: string;
  /** Absent from records written before 2026-11-27, whose sealed copy is under keys.legacySealedLeg. */
  readonly sealed?: string;
}

export interface OpenBreakIndexEntry {
  readonly breakId: string;
  readonly caseId: string;
}
